package flowrec

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/netwarden/netwarden/dataset"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// FuzzDecode feeds any bytes to a decoder, twice (so that templates a
// packet defines meet its own data), and checks that it never panics,
// that every problem is a *DecodeError wrapping ErrFormat, and that what
// it allocates beside its output stays within a small multiple of the
// input. Seeds: testdata/fuzz/FuzzDecode, the export packets of the
// shared captures and damaged forms of them (testdata/make_fuzz_seeds.py).
func FuzzDecode(f *testing.F) {
	for _, p := range readGolden(f) {
		f.Add(p.payload)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(Config{})
		// Records are at least one byte each: this output never grows.
		dst := make([]Record, 0, 2*len(data)+1)
		var err1, err2 error
		n := allocated(func() {
			dst, err1 = d.Decode(dst, exp1, data, t0)
			dst, err2 = d.Decode(dst, exp1, data, t0)
		})
		for _, err := range []error{err1, err2} {
			if err == nil {
				continue
			}
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a *DecodeError wrapping ErrFormat", err)
			}
			if de.Offset < 0 || de.Offset > len(data) {
				t.Fatalf("offset %d outside the %d-byte packet", de.Offset, len(data))
			}
		}
		if limit := uint64(16*len(data) + 16<<10); n > limit {
			t.Fatalf("allocated %d bytes for a %d-byte packet (limit %d)", n, len(data), limit)
		}
		st := d.Stats()
		if st.Packets != 2 {
			t.Fatalf("packets %d", st.Packets)
		}
	})
}

// FuzzZeek reads any text as conn.log: errors are *dataset.ParseError,
// never a panic, and reading always ends.
func FuzzZeek(f *testing.F) {
	for _, name := range []string{"testdata/zeek_conn.log", "testdata/zeek_conn.json"} {
		f.Add(readFile(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		zr := NewZeekReader(bytes.NewReader(data), "fuzz")
		checkLogReader(t, data, zr.Read)
	})
}

// FuzzArgus reads any text as ra output.
func FuzzArgus(f *testing.F) {
	f.Add(readFile(f, "testdata/argus_kakaotalk.csv"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ar := NewArgusReader(bytes.NewReader(data), "fuzz", ",")
		checkLogReader(t, data, ar.Read)
	})
}

func readFile(f *testing.F, name string) []byte {
	b, err := readTestFile(name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func checkLogReader(t *testing.T, data []byte, read func(*Record) error) {
	var r Record
	for i := 0; ; i++ {
		if i > len(data)+1 {
			t.Fatalf("more reads than lines")
		}
		err := read(&r)
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *dataset.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not a *dataset.ParseError wrapping ErrFormat", err)
			}
			if pe.Line < 1 {
				t.Fatalf("line %d", pe.Line)
			}
		}
	}
}
