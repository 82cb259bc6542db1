package dataset

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// ErrUnmappedLabel is wrapped by the error of a CSV reader that met labels
// its category map does not know (see CSVConfig.Unmapped); it also wraps
// ErrFormat.
var ErrUnmappedLabel = errors.New("label not in the category map")

// UnmappedPolicy says what a CSV reader does with a row whose label the
// category map (CSVConfig.Categories, CategoryFunc, Binary, or the NSL-KDD
// names) does not know.
type UnmappedPolicy uint8

const (
	// UnmappedError makes such a label an error (the default): ReadAll,
	// ReadCSV and LoadCSV read the whole file, then fail naming every
	// unmapped label with its row count and how to map it; Read fails at
	// the first such row (in lenient mode it skips the row as malformed).
	// A table whose labels are not understood never loads as attacks.
	UnmappedError UnmappedPolicy = iota
	// UnmappedKeep keeps such rows with Category Unknown, so that IsAttack
	// is true for them, and counts them in the Report (Unknown,
	// UnknownLabels).
	UnmappedKeep
	// UnmappedSkip skips such rows, counting them in the Report as skipped
	// rows (with the reason) and in UnknownLabels.
	UnmappedSkip
)

// String returns "error", "keep" or "skip".
func (p UnmappedPolicy) String() string {
	switch p {
	case UnmappedError:
		return "error"
	case UnmappedKeep:
		return "keep"
	case UnmappedSkip:
		return "skip"
	}
	return fmt.Sprintf("UnmappedPolicy(%d)", uint8(p))
}

// BinaryLabel reads a two-valued label column (UNSW-NB15's "label" of 0
// and 1, a "BENIGN"/"ATTACK" column) as benign or attack: a label equal to
// Benign is Normal traffic, one equal to Attack an attack of no NSL-KDD
// category (Category Unknown, IsAttack true, a known label), and any other
// value an unmapped label (see CSVConfig.Unmapped). Its zero value is
// off.
type BinaryLabel struct {
	// Benign is the value of benign rows ("0").
	Benign string
	// Attack is the value of attack rows ("1").
	Attack string
}

// ZeroOne is the BinaryLabel of a 0/1 label column whose 0 is benign
// (UNSW-NB15's "label", most exports' "is_attack").
var ZeroOne = BinaryLabel{Benign: "0", Attack: "1"}

func (b BinaryLabel) on() bool { return b.Benign != "" || b.Attack != "" }

// labelMapper builds the reader's label → (category, known) function from
// cfg.
func labelMapper(cfg *CSVConfig) func(string) (Category, bool) {
	m, f, bin := cfg.Categories, cfg.CategoryFunc, cfg.Binary
	return func(s string) (Category, bool) {
		if bin.on() {
			switch s {
			case bin.Benign:
				return Normal, true
			case bin.Attack:
				return Unknown, true
			}
		}
		if m != nil {
			if c, ok := m[s]; ok {
				return min(c, Unknown), true
			}
		}
		if f != nil {
			c := min(f(s), Unknown)
			return c, c != Unknown
		}
		if m == nil && !bin.on() {
			c := CategoryOf(s)
			return c, c != Unknown
		}
		return Unknown, false
	}
}

// unmappedError is the error of a reader whose rows had labels the
// category map did not know.
func unmappedError(file string, line int, field string, total int, counts map[string]int) error {
	type lc struct {
		label string
		n     int
	}
	var all []lc
	rows := 0
	for l, n := range counts {
		all = append(all, lc{l, n})
		rows += n
	}
	slices.SortFunc(all, func(a, b lc) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.label, b.label)
	})
	var b strings.Builder
	for i, x := range all {
		if i == 10 {
			fmt.Fprintf(&b, ", and %d more", len(all)-10)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (%d rows)", x.label, x.n)
	}
	hint := "map them with CSVConfig.Categories (label → Category, e.g. dataset.UNSWNB15Families() or CICIDS2017Families()) or CategoryFunc"
	if _, zero := counts["0"]; zero {
		hint = "a 0/1 label column is read with CSVConfig.Binary: dataset.ZeroOne (0 is benign); or " + hint
	}
	return &ParseError{File: file, Line: line, Field: field, Err: fmt.Errorf(
		"%d of %d rows have labels the category map does not know (the first on this line): %s; %s, "+
			"or set CSVConfig.Unmapped to dataset.UnmappedKeep to load them as attacks of unknown category: %w: %w",
		rows, total, b.String(), hint, ErrUnmappedLabel, errs.ErrFormat)}
}
