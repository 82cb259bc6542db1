package fivegc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

func synthCapture(t *testing.T) ([]byte, *Truth) {
	var buf bytes.Buffer
	truth, err := WriteSynthetic(&buf, SynthConfig{Seed: 1, UEs: 30, Attacks: true})
	require.NoError(t, err)
	return buf.Bytes(), truth
}

// TestSyntheticRoundTrip reads the synthetic capture back: every
// signalling packet decodes, and every attack shows up in its rows.
func TestSyntheticRoundTrip(t *testing.T) {
	data, truth := synthCapture(t)
	r, err := packet.NewReader(bytes.NewReader(data), "synthetic")
	require.NoError(t, err)
	s := NewScanner(r)
	s.UserPlane = true
	tr, err := NewTracker(Config{Key: testKey, Label: func(ev *Event) string { return truth.Label(ev.Frame) }})
	require.NoError(t, err)
	feed(t, s, tr)
	c := s.Counts()
	assert.Equal(t, int64(len(truth.Labels)), c.Frames)
	assert.Zero(t, c.Malformed[ProtoPFCP]+c.Malformed[ProtoNGAP]+c.NASMalformed, "last error %v", s.LastError)
	labels := map[string]int{}
	for _, tab := range []interface{ Labels() []string }{tr.N4(), tr.UE(), tr.Sessions(), tr.GNB()} {
		for _, l := range tab.Labels() {
			labels[l]++
		}
	}
	t.Logf("messages %v, row labels %v", c.Messages, labels)
	for _, a := range Attacks {
		assert.Positive(t, labels[a], a)
	}
	assert.Positive(t, labels["normal"])
}

// TestSyntheticTshark: tshark dissects the synthetic capture as PFCP,
// NGAP/NAS-5GS and GTP-U without malformed packets (skipped without
// tshark).
func TestSyntheticTshark(t *testing.T) {
	needTshark(t)
	if testing.Short() {
		t.Skip("short mode")
	}
	data, truth := synthCapture(t)
	path := filepath.Join(t.TempDir(), "synthetic.pcap")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.malformed").Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, len(truth.Labels))
	protos := map[string]int{}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		require.GreaterOrEqual(t, len(f), 2)
		protos[f[1]]++
		if len(f) > 2 {
			assert.Empty(t, f[2], "tshark: malformed packet %s", f[0])
		}
	}
	t.Logf("tshark protocols: %v", protos)
	assert.Positive(t, protos["PFCP"])
	assert.Positive(t, protos["NGAP"]+protos["NGAP/NAS-5GS"])
}
