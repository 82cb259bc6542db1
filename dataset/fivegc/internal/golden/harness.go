package golden

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Payloads returns the message bytes of the golden file at path: the real
// messages of the reference captures, for the decoders' allocation tests,
// benchmarks and fuzz seeds.
func Payloads(tb testing.TB, path string) [][]byte {
	tb.Helper()
	rows, err := Read(path)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([][]byte, len(rows))
	for i, r := range rows {
		out[i] = r.Payload
	}
	return out
}

// CheckDecodeAllocs decodes every message into one reused value (decode
// closes over it) and fails tb if a pass over them allocates more than
// three times per message that fails: only a decode error may allocate.
func CheckDecodeAllocs(tb testing.TB, msgs [][]byte, decode func([]byte) error) {
	tb.Helper()
	if raceEnabled {
		tb.Log("allocations are counted without the race detector")
		return
	}
	for _, b := range msgs {
		_ = decode(b) // grow the value to the largest message
	}
	n := testing.AllocsPerRun(5, func() {
		for _, b := range msgs {
			_ = decode(b)
		}
	})
	bad := 0
	for _, b := range msgs {
		if decode(b) != nil {
			bad++
		}
	}
	if n > float64(3*bad) {
		tb.Errorf("%v allocations per pass over %d messages, %d of which fail: want at most %d", n, len(msgs), bad, 3*bad)
	}
}

// CheckTruncations decodes every prefix of every message (no panic) and
// fails tb if the prefixes of one message allocate more than a small
// constant per call.
func CheckTruncations(tb testing.TB, msgs [][]byte, decode func([]byte) error) {
	tb.Helper()
	for _, b := range msgs {
		for i := 0; i < len(b); i++ {
			_ = decode(b[:i])
		}
	}
	b := msgs[len(msgs)/2]
	n := testing.AllocsPerRun(3, func() {
		for i := 0; i < len(b); i++ {
			_ = decode(b[:i])
		}
	})
	if n > float64(4*len(b)+4) {
		tb.Errorf("%v allocations for the %d prefixes of one message", n, len(b))
	}
}

// BenchDecode decodes the messages round robin, reporting bytes, allocations
// and messages per second.
func BenchDecode(b *testing.B, msgs [][]byte, decode func([]byte) error) {
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.SetBytes(int64(size / len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = decode(msgs[i])
		i++
		if i == len(msgs) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// CheckFuzzAllocs fails t if decoding b allocates more than 8 plus one per
// four bytes of input (inputs under 64 KiB).
func CheckFuzzAllocs(t *testing.T, b []byte, decode func([]byte) error) {
	if len(b) >= 1<<16 {
		return
	}
	if n := testing.AllocsPerRun(1, func() { _ = decode(b) }); n > float64(8+len(b)/4) {
		t.Fatalf("%v allocations for %d bytes", n, len(b))
	}
}

// WriteSeeds writes about 24 of the messages as the fuzz seed corpus of
// FuzzDecode when WRITE_SEEDS is set, and skips tb otherwise.
func WriteSeeds(tb testing.TB, msgs [][]byte) {
	if os.Getenv("WRITE_SEEDS") == "" {
		tb.Skip("set WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzDecode from the reference messages")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	step := len(msgs)/24 + 1
	for i := 0; i < len(msgs); i += step {
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(msgs[i])) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, "real"+strconv.Itoa(i)), []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
