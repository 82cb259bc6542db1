package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/fivegc"
)

// TestOffline runs the example on the synthetic traffic: every attack
// scenario gets a report line, and the PFCP attacks on N4 are detected.
func TestOffline(t *testing.T) {
	var b, alerts strings.Builder
	require.NoError(t, run(context.Background(), &b, &alerts, "", 0.02, 1))
	out := b.String()
	// Every alert is explained: one line per flagged row, as many as the
	// report's flagged column sums to, each naming features.
	flagged := 0
	for _, m := range regexp.MustCompile(`(?m)^  \S+ +\d+ +(\d+) +\d`).FindAllStringSubmatch(out, -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		flagged += n
	}
	lines := strings.Split(strings.TrimSpace(alerts.String()), "\n")
	require.Len(t, lines, flagged)
	for _, l := range lines {
		f := strings.Split(l, "\t")
		require.Len(t, f, 6, l)
		assert.Regexp(t, `forest \[\S|range: \S`, f[5], l)
	}
	for _, a := range fivegc.Attacks {
		assert.Contains(t, out, a)
	}
	for _, a := range []string{"pfcp_establishment_flood", "pfcp_deletion_flood", "pfcp_modify_drop", "pfcp_modify_redirect", "pfcp_in_gtpu"} {
		assert.Regexp(t, a+` +1 +1 +100\.0%`, out, "N4 window of %s flagged", a)
	}
	assert.Regexp(t, `nas_registration_flood +\d+ +[1-9]\d* `, out, "a gNB window of the registration flood flagged")
	if testing.Verbose() {
		t.Log("\n" + out)
	}
}

// TestRealCaptures runs it with the shared captures (PCAP_DIR).
func TestRealCaptures(t *testing.T) {
	dir := os.Getenv("PCAP_DIR")
	if dir == "" {
		t.Skip("PCAP_DIR not set")
	}
	var b strings.Builder
	require.NoError(t, run(context.Background(), &b, nil, dir, 0.02, 1))
	got := flagged(b.String())
	// Every NAS fuzzing run has a flagged UE row, and the SUCI catcher's
	// probing UE and gNB windows are flagged.
	for _, c := range []string{"007a", "007b", "007d", "007e"} {
		assert.Positive(t, got["UEs on N2|dlteam5g/"+c+"-fuzz-open5gs.pcapng|nas_fuzzing"], "a UE row of %s flagged", c)
	}
	assert.Positive(t, got["gNB windows on N2|dlteam5g/007e-fuzz-open5gs.pcapng|nas_fuzzing"], "the gNB window of 007e flagged")
	assert.Positive(t, got["UEs on N2|suci/OnePlus_32_PersonOfInterest_found.pcapng|suci_catching"])
	assert.Positive(t, got["gNB windows on N2|suci/OnePlus_32_PersonOfInterest_found.pcapng|suci_catching"])
	assert.Regexp(t, `(?m)007e-fuzz-open5gs.pcapng:\n.*\n  nas_fuzzing .*range: protocol_errors=2`, b.String(), "007e's UE row flagged by its protocol errors")
	if testing.Verbose() {
		t.Log("\n" + b.String())
	}
}

// flagged reads the report: the flagged rows by "kind|capture|label".
func flagged(out string) map[string]int {
	got := map[string]int{}
	kind, capture := "", ""
	row := regexp.MustCompile(`^  (\S+) +\d+ +(\d+) +\d`)
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "== "):
			kind = strings.TrimPrefix(strings.SplitN(l, ":", 2)[0], "== ")
		case strings.HasPrefix(l, "real capture "):
			capture = strings.TrimSuffix(strings.TrimPrefix(l, "real capture "), ":")
		case strings.HasPrefix(l, "synthetic test capture"):
			capture = "synthetic"
		default:
			if m := row.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[2])
				got[kind+"|"+capture+"|"+m[1]] += n
			}
		}
	}
	return got
}

// TestBenignProtocolErrors: the protocol-error columns of the UE and gNB
// rows are 0 on all the benign traffic the forests train on (the
// synthetic benign capture, and the real benign captures with PCAP_DIR),
// so a fuzzer's protocol errors stand out of the benign range.
func TestBenignProtocolErrors(t *testing.T) {
	train, err := synthetic(1, false)
	require.NoError(t, err)
	sets := map[string]tables{"synthetic": train}
	if dir := os.Getenv("PCAP_DIR"); dir != "" {
		for _, c := range benignTraining {
			tabs, err := readFile(filepath.Join(dir, c), constant("normal"))
			require.NoError(t, err)
			sets[c] = tabs
		}
	} else {
		t.Log("PCAP_DIR not set: the synthetic capture only")
	}
	errCols := []string{"nas_unknown_type", "nas_status", "sm_status", "protocol_error_cause", "error_indication",
		"ngap_protocol_cause", "ngap_unknown_procedure", "protocol_errors"}
	for name, tabs := range sets {
		for _, tab := range []struct {
			kind string
			t    *dataset.Table
		}{{"UE", tabs.ue}, {"gNB", tabs.gnb}} {
			cols := errCols
			if tab.kind == "gNB" {
				cols = append(slices.Clone(errCols), "ngap_malformed")
			}
			for _, c := range cols {
				j := tab.t.Schema().Index(c)
				require.GreaterOrEqual(t, j, 0, c)
				for i, v := range tab.t.Numeric(j) {
					assert.Zero(t, v, "%s: %s row %d: %s", name, tab.kind, i, c)
				}
			}
		}
	}
}
