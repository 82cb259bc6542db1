package dataset_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// checkTable checks what every successful read must give.
func checkTable(t *testing.T, tab *dataset.Table) {
	t.Helper()
	if tab.Len() == 0 {
		t.Fatal("success with no rows")
	}
	s := tab.Schema()
	for j, c := range s.Columns {
		if c.Kind == dataset.Numeric {
			if len(tab.Numeric(j)) != tab.Len() {
				t.Fatalf("column %d has %d values for %d rows", j, len(tab.Numeric(j)), tab.Len())
			}
			continue
		}
		codes, levels := tab.Codes(j)
		for _, k := range codes {
			if int(k) >= len(levels) || k < 0 {
				t.Fatalf("column %d: code %d of %d levels", j, k, len(levels))
			}
		}
	}
}

// checkErr checks that a read error is one of the documented kinds.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var pe *dataset.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if !errors.Is(err, errs.ErrFormat) && !errors.Is(err, errs.ErrEmpty) {
		t.Fatalf("error %v wraps neither ErrFormat nor ErrEmpty", err)
	}
	if pe.Line < 1 {
		t.Fatalf("error %v: line %d", err, pe.Line)
	}
}

func FuzzReadNSLKDD(f *testing.F) {
	f.Add([]byte(nslLine1 + "\n" + nslLine2 + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := dataset.ReadNSLKDD(bytes.NewReader(data), "fuzz.txt")
		if err != nil {
			checkErr(t, err)
		} else {
			checkTable(t, tab)
			for j := 0; j < tab.NumColumns(); j++ {
				for _, v := range tab.Numeric(j) {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("NSL-KDD reader accepted %v", v)
					}
				}
			}
		}
		// Lenient mode reads the same text without failing on bad rows,
		// and keeps every row strict mode would have kept.
		rd := dataset.NewNSLKDDReader(bytes.NewReader(data), "fuzz.txt")
		rd.Lenient = true
		var row dataset.Row
		n := 0
		for {
			err := rd.Read(&row)
			if err == io.EOF {
				break
			}
			if err != nil {
				checkErr(t, err)
				break
			}
			n++
		}
		rep := rd.Report()
		if rep.Rows != n || (tab != nil && n != tab.Len()) {
			t.Fatalf("lenient read %d rows (report %d), strict %v", n, rep.Rows, tab)
		}
		_ = dataset.NewKDD99Reader(bytes.NewReader(data), "fuzz.txt").Read(&row)
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b,label\n1,x,normal\n2,\"y,z\",smurf\n"), uint8(0))
	f.Add([]byte("\ufeffa,b,label\nNA,x,0\n2,?,1\n3,y,BEN\n"), uint8(32|64|128))
	f.Fuzz(func(t *testing.T, data []byte, flags uint8) {
		cfg := dataset.CSVConfig{
			NoHeader: flags&1 != 0,
			NoQuotes: flags&2 != 0,
			Lenient:  flags&4 != 0,
		}
		if flags&8 != 0 {
			cfg.Comma = ';'
		}
		if flags&16 != 0 {
			cfg.Missing = dataset.ValuePolicy{Action: dataset.AsNaN}
			cfg.NaN = dataset.ValuePolicy{Action: dataset.AsNaN}
			cfg.Inf = dataset.ValuePolicy{Action: dataset.Replace, Value: -1}
		}
		if flags&32 != 0 {
			if cfg.NoHeader {
				cfg.Categorical, cfg.Label = []string{"c2"}, "c3"
			} else {
				cfg.Categorical, cfg.Label = []string{"b"}, "label"
			}
		}
		if flags&64 != 0 {
			cfg.Unmapped = dataset.UnmappedPolicy(flags>>7) + 1 // keep or skip
			cfg.MissingTokens = []string{"NA", "?"}
			if cfg.Label != "" {
				cfg.Binary = dataset.ZeroOne
			}
		}
		tab, err := dataset.ReadCSV(bytes.NewReader(data), "fuzz.csv", cfg)
		if err != nil {
			checkErr(t, err)
			return
		}
		checkTable(t, tab)
		if flags&16 == 0 {
			for j := 0; j < tab.NumColumns(); j++ {
				for _, v := range tab.Numeric(j) {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("strict CSV reader accepted %v", v)
					}
				}
			}
		}
	})
}
