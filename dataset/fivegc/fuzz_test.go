package fivegc

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

// FuzzScanner reads arbitrary bytes as a capture into a Tracker: no
// panic, and allocation bounded by the input's size; inputs of odd length
// with Scanner.NullCiphered and Scanner.Malformed set. Seeds: testdata/fuzz/FuzzScanner
// (small synthetic captures, see TestWriteScannerSeeds), testdata/*.pcap,
// and, when PCAP_DIR is set, the real captures of the golden set up to
// 64 KiB.
func FuzzScanner(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	if dir := os.Getenv("PCAP_DIR"); dir != "" {
		for _, d := range []string{"tempo", "dongnt", "dlteam5g", "suci", "tfactory", "ndpi", "scapy"} {
			m, _ := filepath.Glob(filepath.Join(dir, d, "*.pcap*"))
			seeds = append(seeds, m...)
		}
	}
	for _, p := range seeds {
		if st, err := os.Stat(p); err == nil && st.Size() <= 64<<10 {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		scan := func() {
			r, err := packet.NewReader(bytes.NewReader(b), "fuzz")
			if err != nil {
				return
			}
			s := NewScanner(r)
			s.UserPlane = true
			// Half the inputs in the test-bed mode of the example.
			s.NullCiphered, s.Malformed = len(b)%2 == 1, len(b)%2 == 1
			tr, _ := NewTracker(Config{Key: testKey})
			for i := 0; i < 1<<16; i++ {
				ev, err := s.Next()
				if err != nil {
					break
				}
				tr.Add(ev)
			}
			tr.Flush()
		}
		scan()
		if n := testing.AllocsPerRun(1, scan); n > float64(200+len(b)) {
			t.Fatalf("%v allocations for %d bytes", n, len(b))
		}
	})
}

// TestWriteScannerSeeds rewrites the FuzzScanner seeds when WRITE_SEEDS is
// set.
func TestWriteScannerSeeds(t *testing.T) {
	if os.Getenv("WRITE_SEEDS") == "" {
		t.Skip("set WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzScanner")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzScanner")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, cfg := range []SynthConfig{
		{Seed: 1, UEs: 1, Duration: 12 * time.Second},
		{Seed: 2, UEs: 2, Duration: 12 * time.Second},
	} {
		var buf bytes.Buffer
		_, err := WriteSynthetic(&buf, cfg)
		require.NoError(t, err)
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(buf.String()) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "synthetic"+strconv.Itoa(i)), []byte(body), 0o644))
	}
}
