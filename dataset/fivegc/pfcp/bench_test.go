package pfcp

import (
	"testing"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
)

// corpus returns the payloads of the tshark reference file, the real
// messages of the reference captures.
func corpus(tb testing.TB) [][]byte { return golden.Payloads(tb, "testdata/golden.tsv") }

// decoder returns Decode into one reused Message.
func decoder() func([]byte) error {
	var m Message
	return func(b []byte) error { return Decode(b, &m) }
}

func TestDecodeAllocs(t *testing.T) { golden.CheckDecodeAllocs(t, corpus(t), decoder()) }

// TestTruncations decodes every prefix of every real message: no panic,
// and allocation bounded by a small constant per call.
func TestTruncations(t *testing.T) { golden.CheckTruncations(t, corpus(t), decoder()) }

func BenchmarkDecode(b *testing.B) { golden.BenchDecode(b, corpus(b), decoder()) }

// FuzzDecode checks that no input panics and that allocation stays
// bounded by the input's size. Seeds: testdata/fuzz/FuzzDecode, real
// messages of the reference captures (see TestWriteSeeds).
func FuzzDecode(f *testing.F) {
	var m Message
	decode := func(b []byte) error { return Decode(b, &m) }
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := decode(b); err == nil {
			for i := range m.IEs {
				_ = m.IEs[i]
			}
		}
		golden.CheckFuzzAllocs(t, b, decode)
	})
}

// TestWriteSeeds writes the fuzz seed corpus from the real messages when
// WRITE_SEEDS is set (go test -run WriteSeeds with WRITE_SEEDS=1).
func TestWriteSeeds(t *testing.T) { golden.WriteSeeds(t, corpus(t)) }
