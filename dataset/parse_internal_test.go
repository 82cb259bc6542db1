package dataset

import (
	"math"
	"strconv"
	"testing"
)

func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"0.00", 0, true}, {"1.00", 1, true}, {"0.06", 0.06, true}, {"12983", 12983, true},
		{"-1.5", -1.5, true}, {"+2", 2, true}, {".5", 0.5, true}, {"5.", 5, true}, {"1e3", 1000, true},
		{"0.1234567890123456789", 0.1234567890123456789, true}, {"123456789012345678", 123456789012345678, true},
		{"NaN", math.NaN(), true}, {"Infinity", math.Inf(1), true}, {"-inf", math.Inf(-1), true},
		{"1e400", math.Inf(1), true}, {"", 0, false}, {"-", 0, false}, {".", 0, false}, {"1.2.3", 0, false},
		{"abc", 0, false}, {"1 ", 0, false}, {"0x1p4", 16, true}, {"0x10", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseFloat([]byte(tc.in))
		if ok != tc.ok || (ok && !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want))) {
			t.Errorf("parseFloat(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseFloat checks the hand-written parser against strconv.ParseFloat
// bit for bit.
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"0", "0.06", "12983", "-1.5", "1e3", "NaN", "0.30000000000000004", "9007199254740993"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseFloat([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
				err = nil // out of range: parseFloat keeps strconv's ±Inf or 0
			}
		}
		if (err == nil) != ok {
			t.Fatalf("parseFloat(%q) ok=%v, strconv err=%v", s, ok, err)
		}
		if ok && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("parseFloat(%q) = %v (%x), strconv %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	})
}
