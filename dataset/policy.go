package dataset

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// RecordPolicy is how the text of a record's fields becomes values: what an
// empty field, a missing-value token ("NA", "N/A", "null", …), "NaN" and
// an infinity become in a numeric column. The CSV loader reads every field
// with it (CSVConfig.Policy), a Table remembers the policy it was read with
// (Table.Policy), features.Fit keeps it in the pipeline and the pipeline's
// saved bytes, and features.Pipeline.TransformRecord parses a scored
// record's text with the same code, so that a record the loader accepted
// at training is a record the pipeline accepts at scoring.
//
// The zero value rejects empty fields, NaN and infinities, and knows no
// missing-value token.
type RecordPolicy struct {
	// Missing is what an empty numeric field, or one holding one of
	// MissingTokens, becomes; the zero value rejects it. With AsNaN or
	// Replace an empty (or missing-token) categorical field is the level "".
	Missing ValuePolicy `json:"missing"`
	// NaN is what a numeric field reading "NaN" (any case) becomes; the
	// zero value rejects it.
	NaN ValuePolicy `json:"nan"`
	// Inf is what a numeric field reading "Infinity", "inf", "+Inf", "-inf"
	// (any case) or a number out of float64 range becomes; the zero value
	// rejects it.
	Inf ValuePolicy `json:"inf"`
	// MissingTokens are field texts, matched exactly after spaces and tabs
	// are trimmed, that mean "missing" as an empty field does: "NA",
	// "N/A", "null", "-", "?". Nil means none. A token that reads as a
	// number ("-1") is read as that number.
	MissingTokens []string `json:"missing_tokens,omitempty"`
}

// LegacyRecordPolicy returns the policy of a pipeline saved before pipelines
// kept their policy, and of one fitted on a table that was not read from
// text (NewTable, Synthetic): "NaN" is read as NaN, which a step then
// rejects unless it keeps NaN, and an empty field or an infinity is an
// error, as the text of a record always was.
func LegacyRecordPolicy() RecordPolicy { return RecordPolicy{NaN: ValuePolicy{Action: AsNaN}} }

// Equal reports whether p and o read every field alike.
func (p RecordPolicy) Equal(o RecordPolicy) bool {
	for _, pair := range [][2]ValuePolicy{{p.Missing, o.Missing}, {p.NaN, o.NaN}, {p.Inf, o.Inf}} {
		a, b := pair[0], pair[1]
		if a.Action != b.Action || (a.Action == Replace && math.Float64bits(a.Value) != math.Float64bits(b.Value)) {
			return false
		}
	}
	if len(p.MissingTokens) != len(o.MissingTokens) {
		return false
	}
	for i := range p.MissingTokens {
		if p.MissingTokens[i] != o.MissingTokens[i] {
			return false
		}
	}
	return true
}

// Valid returns an error wrapping ErrFormat when an action is unknown or a
// replacement value is NaN or infinite.
func (p RecordPolicy) Valid() error {
	for _, v := range []struct {
		what string
		p    ValuePolicy
	}{{"Missing", p.Missing}, {"NaN", p.NaN}, {"Inf", p.Inf}} {
		if v.p.Action > Replace {
			return fmt.Errorf("dataset: policy %s: action %d: %w", v.what, v.p.Action, errs.ErrFormat)
		}
		if v.p.Action == Replace && (math.IsNaN(v.p.Value) || math.IsInf(v.p.Value, 0)) {
			return fmt.Errorf("dataset: policy %s: replacement %g is not finite: %w", v.what, v.p.Value, errs.ErrFormat)
		}
	}
	return nil
}

// isMissing reports whether the trimmed field b is empty or a missing
// token.
func isMissing[T string | []byte](p *RecordPolicy, b T) bool {
	if len(b) == 0 {
		return true
	}
	for _, t := range p.MissingTokens {
		if string(b) == t {
			return true
		}
	}
	return false
}

// number reads one trimmed numeric field under the policy: the code of the
// loader and of the scoring path alike.
func (p *RecordPolicy) number(b []byte) (float64, error) { return number(p, b) }

func number[T string | []byte](p *RecordPolicy, b T) (float64, error) {
	if v, ok := fastFloat(b); ok {
		return v, nil
	}
	if isMissing(p, b) {
		if len(b) == 0 {
			return p.Missing.apply("empty", "Missing")
		}
		return p.Missing.apply(fmt.Sprintf("missing (%q)", b), "Missing")
	}
	v, ok := slowFloat(b)
	if !ok {
		return 0, fmt.Errorf("invalid number %q%s: %w", b, textHint(b), errs.ErrFormat)
	}
	if math.IsNaN(v) {
		return p.NaN.apply(fmt.Sprintf("NaN (%q)", b), "NaN")
	}
	if math.IsInf(v, 0) {
		return p.Inf.apply(fmt.Sprintf("infinite (%q)", b), "Inf")
	}
	return v, nil
}

// textHint suggests Categorical for a numeric field that holds a word.
func textHint[T string | []byte](b T) string {
	for _, c := range []byte(b) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
			return " (a column of text such as protocol names belongs in CSVConfig.Categorical)"
		}
	}
	return ""
}

// ParseNumber reads the text of one numeric field as the CSV loader does:
// spaces and tabs around it are trimmed, then an empty field or a missing
// token, "NaN" and infinities follow the policy. Errors wrap ErrFormat;
// a rejected NaN or infinity also wraps ErrNaN. It allocates nothing for a
// plain decimal.
func (p *RecordPolicy) ParseNumber(s string) (float64, error) {
	return number(p, trimField(s))
}

// ParseCategory reads the text of one categorical field as the CSV loader
// does: spaces and tabs around it are trimmed, and an empty field or a
// missing token is an error under a rejecting Missing policy and the level
// "" otherwise. The result is a substring of s.
func (p *RecordPolicy) ParseCategory(s string) (string, error) {
	b := trimField(s)
	if len(b) == 0 || len(p.MissingTokens) > 0 && isMissing(p, b) {
		if p.Missing.Action == Reject {
			return "", fmt.Errorf("empty value (set CSVConfig.Missing to read it as the level \"\"): %w", errs.ErrFormat)
		}
		return "", nil
	}
	return b, nil
}

// trimField trims the spaces and tabs the CSV splitter trims.
func trimField(s string) string {
	return strings.Trim(s, " \t")
}

// CleanName returns a column name as the CSV loader cleans a header's
// names: a leading UTF-8 byte-order mark dropped, spaces around it trimmed
// (" Destination Port" is "Destination Port"). It returns a substring of
// s and allocates nothing. A record's keys are matched to columns through
// CleanName, so keys taken from a file's own header find their columns.
func CleanName(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
}

// CleanNames returns the names of a header as the CSV loader names its
// columns: each cleaned by CleanName, an empty one called "c" and its
// 1-based position, and a repeated one renamed as pandas does (the second
// "x" is "x.1", the third "x.2"). names is not modified.
func CleanNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = CleanName(n)
		if out[i] == "" {
			out[i] = "c" + strconv.Itoa(i+1)
		}
	}
	return dedupe(out)
}

// ApplyTo sets cfg's Missing, NaN, Inf and MissingTokens to the policy's,
// so that a reader of scoring-time lines (a live CSV stream) parses them as
// the training file was parsed: give it a bundle's or a pipeline's Policy.
func (p RecordPolicy) ApplyTo(cfg *CSVConfig) {
	cfg.Missing, cfg.NaN, cfg.Inf = p.Missing, p.NaN, p.Inf
	cfg.MissingTokens = append([]string(nil), p.MissingTokens...)
}
