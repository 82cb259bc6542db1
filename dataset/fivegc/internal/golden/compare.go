package golden

import (
	"errors"
	"fmt"
	"testing"
)

// Check says how Compare treats the rows of a golden file.
type Check struct {
	// Fields renders one message as the golden file's columns.
	Fields func(payload []byte) (map[string]string, error)
	// KnownDiff maps "capture#frame column" to the reason the decoder and
	// tshark disagree there on purpose: the values must differ.
	KnownDiff map[string]string
	// Rejected maps "capture#frame" to the reason the decoder returns an
	// error for that message: Fields must fail, and when it does, its
	// fields are not compared.
	Rejected map[string]string
	// RejectedIs, when set, is the sentinel every rejection must wrap.
	RejectedIs error
}

// Compare reads the golden file at path and compares every row's fields
// with what c.Fields gives, failing tb on each difference; it logs the
// known differences and returns the number of unexpected ones.
func Compare(tb testing.TB, path string, c Check) int {
	tb.Helper()
	rows, err := Read(path)
	if err != nil {
		tb.Fatal(err)
	}
	if len(rows) == 0 {
		tb.Fatalf("%s: no rows", path)
	}
	caps := map[string]int{}
	byField := map[string]int{}
	diffs := 0
	for _, r := range rows {
		caps[r.Capture]++
		key := fmt.Sprintf("%s#%d", r.Capture, r.Frame)
		got, err := c.Fields(r.Payload)
		if why, ok := c.Rejected[key]; ok {
			if err == nil {
				tb.Errorf("%s: decoded, want the rejection: %s", key, why)
				diffs++
			} else if c.RejectedIs != nil && !errors.Is(err, c.RejectedIs) {
				tb.Errorf("%s: rejected with %v, want an error wrapping %v", key, err, c.RejectedIs)
				diffs++
			} else {
				tb.Logf("%s: rejected: %s: %v", key, why, err)
			}
			if got == nil {
				continue
			}
		} else if err != nil {
			tb.Errorf("%s: %v", key, err)
			diffs++
			continue
		}
		for k, want := range r.Fields {
			if why, ok := c.KnownDiff[key+" "+k]; ok {
				tb.Logf("%s %s: known difference: %s", key, k, why)
				if got[k] == want {
					tb.Errorf("%s %s: known difference gone (both %q)", key, k, want)
				}
				continue
			}
			if got[k] != want {
				diffs++
				byField[k]++
				tb.Errorf("%s %s: decoder %q, tshark %q", key, k, got[k], want)
			}
		}
	}
	tb.Logf("%d messages from %d captures, %d differences %v", len(rows), len(caps), diffs, byField)
	return diffs
}
