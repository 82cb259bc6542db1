package gtpv2

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
)

// corpus returns the payloads of the tshark reference file, the real
// messages of the shared captures.
func corpus(tb testing.TB) [][]byte {
	rows, err := golden.Read("testdata/golden.tsv")
	require.NoError(tb, err)
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = r.Payload
	}
	return out
}

func TestDecodeAllocs(t *testing.T) {
	msgs := corpus(t)
	var m Message
	for _, b := range msgs {
		_ = Decode(b, &m) // grow m to the largest message
	}
	n := testing.AllocsPerRun(5, func() {
		for _, b := range msgs {
			if Decode(b, &m) != nil {
				continue
			}
		}
	})
	// Only the messages that fail allocate (their *Error).
	bad := 0
	for _, b := range msgs {
		if Decode(b, &m) != nil {
			bad++
		}
	}
	assert.LessOrEqual(t, n, float64(3*bad), "allocations per pass over %d messages", len(msgs))
}

// TestTruncations decodes every prefix of every real message: no panic,
// and allocation bounded by a small constant per call.
func TestTruncations(t *testing.T) {
	msgs := corpus(t)
	var m Message
	for _, b := range msgs {
		for i := 0; i < len(b); i++ {
			_ = Decode(b[:i], &m)
		}
	}
	b := msgs[len(msgs)/2]
	n := testing.AllocsPerRun(3, func() {
		for i := 0; i < len(b); i++ {
			_ = Decode(b[:i], &m)
		}
	})
	assert.LessOrEqual(t, n, float64(4*len(b)+4))
}

func BenchmarkDecode(b *testing.B) {
	msgs := corpus(b)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	var m Message
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = Decode(msgs[i], &m)
		i++
		if i == len(msgs) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// FuzzDecode checks that no input panics and that allocation stays
// bounded by the input's size. Seeds: testdata/fuzz/FuzzDecode, real
// messages of the shared captures (see TestWriteSeeds).
func FuzzDecode(f *testing.F) {
	var m Message
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := Decode(b, &m); err == nil {
			for i := range m.IEs {
				_ = m.IEs[i]
			}
		}
		if len(b) < 1<<16 {
			n := testing.AllocsPerRun(1, func() { _ = Decode(b, &m) })
			if n > float64(8+len(b)/4) {
				t.Fatalf("%v allocations for %d bytes", n, len(b))
			}
		}
	})
}

// TestWriteSeeds writes the fuzz seed corpus from the real messages when
// WRITE_SEEDS is set (go test -run WriteSeeds with WRITE_SEEDS=1).
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("WRITE_SEEDS") == "" {
		t.Skip("set WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzDecode from the reference messages")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	msgs := corpus(t)
	step := len(msgs)/24 + 1
	for i := 0; i < len(msgs); i += step {
		body := "go test fuzz v1\n[]byte(" + quote(msgs[i]) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "real"+itoa(i)), []byte(body), 0o644))
	}
}
