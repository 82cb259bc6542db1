package features

import (
	"fmt"
	"strings"
)

// Op is one numeric transform of a Step's chain. The affine Ops
// (Standardize, MinMax, Robust) are fitted on the training values as they
// come out of the Ops before them.
type Op uint8

const (
	// Log1p is log(1 + x), for heavy-tailed counts and byte volumes. An input
	// x <= -1 is an error wrapping ErrNaN.
	Log1p Op = iota + 1
	// Log is the natural logarithm, for positive values such as a smoothed
	// Ratio. An input x <= 0 is an error wrapping ErrNaN.
	Log
	// Standardize is (x - mean) / std with the population standard deviation
	// (scikit-learn's StandardScaler); a constant column keeps scale 1.
	Standardize
	// MinMax is (x - min) / (max - min) (scikit-learn's MinMaxScaler with
	// feature_range (0, 1)); a constant column keeps scale 1.
	MinMax
	// Robust is (x - median) / (q75 - q25), quantiles by linear
	// interpolation (scikit-learn's RobustScaler); a zero IQR keeps scale 1.
	Robust
)

var opNames = [...]string{"", "log1p", "log", "standardize", "minmax", "robust"}

// String returns the Op's lower-case name ("log1p", "standardize", …).
func (o Op) String() string {
	if int(o) < len(opNames) && o != 0 {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

func (o Op) valid() bool { return o >= Log1p && o <= Robust }

func (o Op) affine() bool { return o >= Standardize }

// Kind says what a Step does.
type Kind uint8

const (
	// KindNumeric passes each of Columns through Ops (one output per column).
	KindNumeric Kind = iota + 1
	// KindDrop passes every numeric column of the schema except Columns
	// through Ops, in schema order.
	KindDrop
	// KindRatio outputs (a + s) / (max(b, 0) + s) of Columns[0] = a and
	// Columns[1] = b, s = Smoothing, then Ops.
	KindRatio
	// KindMean outputs the mean of Columns, then Ops.
	KindMean
	// KindOneHot one-hot encodes the categorical Columns[0] (see OneHotConfig).
	KindOneHot
	// KindPseudonymize hashes the categorical Columns[0] with a keyed
	// HMAC-SHA-256 into Buckets one-hot outputs (see PseudonymConfig).
	KindPseudonymize
	// KindCodes writes the category code of the categorical Columns[0] from
	// a given code list, NaN for a category not in it (see Codes).
	KindCodes
)

var kindNames = [...]string{"", "numeric", "drop", "ratio", "mean", "onehot", "pseudonymize", "codes"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Unknown says what a one-hot step does with a level not seen in training.
type Unknown uint8

const (
	// UnknownIgnore encodes an unknown level as all zeros (pandas
	// get_dummies reindexed to the training columns; the default, because a
	// detector must still score a flow of a service it has never seen).
	UnknownIgnore Unknown = iota
	// UnknownError makes TransformRow return an error wrapping
	// ErrUnknownCategory that names the column and the level.
	UnknownError
	// UnknownOther encodes an unknown level in the "other" bucket, which then
	// always exists.
	UnknownOther
)

var unknownNames = [...]string{"ignore", "error", "other"}

// String returns "ignore", "error" or "other".
func (u Unknown) String() string {
	if int(u) < len(unknownNames) {
		return unknownNames[u]
	}
	return fmt.Sprintf("Unknown(%d)", uint8(u))
}

// DefaultOther is the name of the "other" bucket when OneHotConfig.Other is
// empty. It is bracketed because NSL-KDD has a real service called "other".
const DefaultOther = "(other)"

// OneHotConfig configures a one-hot Step. Its zero value is the reference
// encoding: one output per training level, levels sorted, unknown levels all
// zeros.
type OneHotConfig struct {
	// Unknown is what to do with a level not seen in training (default
	// UnknownIgnore).
	Unknown Unknown `json:"unknown"`
	// MinCount folds levels seen fewer than MinCount times in training into
	// the "other" bucket (default 0: no folding).
	MinCount int `json:"min_count,omitempty"`
	// Other names the "other" bucket (default DefaultOther).
	Other string `json:"other,omitempty"`
	// Map, when not nil, maps each raw value to a group before encoding
	// (service → traffic class); values missing from Map go to Default.
	Map map[string]string `json:"map,omitempty"`
	// Default is the group of values missing from Map (default "other").
	Default string `json:"default,omitempty"`
}

// PseudonymConfig configures a Pseudonymize step.
type PseudonymConfig struct {
	// Key is the HMAC-SHA-256 key, at least MinKeyLen bytes, chosen and kept
	// by the user. It is never written to a saved pipeline: a saved pipeline
	// holds only a key identifier, and the key must be given again with
	// Pipeline.SetKey after loading (see Pseudonymize).
	Key []byte `json:"-"`
	// Buckets is the number of hashed one-hot outputs (default 32).
	Buckets int `json:"buckets"`
}

// DefaultBuckets is the bucket count of a Pseudonymize step whose
// PseudonymConfig.Buckets is zero.
const DefaultBuckets = 32

// maxBuckets bounds the width of one pseudonymised column.
const maxBuckets = 1 << 16

// Step is one transformer of a Pipeline, before fitting. Build Steps with
// Numeric, Select, Drop, Ratio, Mean, OneHot, Pseudonymize and Codes, and adjust
// them with As and KeepNaN.
type Step struct {
	// Kind says what the step does.
	Kind Kind `json:"kind"`
	// Columns are the raw input columns (for KindDrop, the ones left out).
	Columns []string `json:"columns"`
	// Ops is the numeric chain applied to the step's value(s).
	Ops []Op `json:"ops,omitempty"`
	// Name replaces the default output name of a Ratio or Mean step, and the
	// prefix ("column=") of a OneHot or Pseudonymize step's outputs.
	Name string `json:"name,omitempty"`
	// NaN lets NaN inputs through (NaN in, NaN out, ignored by fitting), for
	// models that handle missing values (XGBoost); by default a NaN is an
	// error naming the column. An infinite input is always an error.
	NaN bool `json:"nan,omitempty"`
	// Smoothing is a Ratio's s (default 1).
	Smoothing float64 `json:"smoothing,omitempty"`
	// OneHot configures a OneHot step.
	OneHot OneHotConfig `json:"onehot,omitzero"`
	// Pseudonym configures a Pseudonymize step.
	Pseudonym PseudonymConfig `json:"pseudonym,omitzero"`
	// Codes is a Codes step's category → code list.
	Codes map[string]int `json:"codes,omitempty"`
}

// Numeric returns a Step that passes the numeric column col through ops
// (none: the value as it is).
func Numeric(col string, ops ...Op) Step {
	return Step{Kind: KindNumeric, Columns: []string{col}, Ops: ops}
}

// Select returns a Step that passes each of the numeric columns cols, in
// that order, through ops.
func Select(cols []string, ops ...Op) Step {
	return Step{Kind: KindNumeric, Columns: append([]string(nil), cols...), Ops: ops}
}

// AllNumeric returns a Step that passes every numeric column of the fitted
// schema, in schema order, through ops. It is Drop(nil, ops...), which
// keeps working and means the same.
func AllNumeric(ops ...Op) Step {
	return Step{Kind: KindDrop, Ops: ops}
}

// Drop returns a Step that passes every numeric column of the fitted schema
// except cols, in schema order, through ops; Drop(nil, ops...) is
// AllNumeric(ops...).
func Drop(cols []string, ops ...Op) Step {
	return Step{Kind: KindDrop, Columns: append([]string(nil), cols...), Ops: ops}
}

// Ratio returns a Step computing (a + s) / (max(b, 0) + s) of the numeric
// columns a and b, then ops. The smoothing s (default 1 when s <= 0) makes the
// denominator safe: it is never below s, so a zero b gives a finite ratio
// and two zero counts give 1. Its output is named "ratio(a,b)".
func Ratio(a, b string, s float64, ops ...Op) Step {
	return Step{Kind: KindRatio, Columns: []string{a, b}, Smoothing: s, Ops: ops}
}

// Mean returns a Step that outputs the mean of the numeric columns cols (at
// most 64), then ops, named name.
func Mean(name string, cols []string, ops ...Op) Step {
	return Step{Kind: KindMean, Columns: append([]string(nil), cols...), Name: name, Ops: ops}
}

// OneHot returns a Step that one-hot encodes the categorical column col.
// Outputs are named "col=level" (or "Name=level" after As), one per level
// kept in training in sorted (byte) order, then the "other" bucket if any.
func OneHot(col string, cfg OneHotConfig) Step {
	return Step{Kind: KindOneHot, Columns: []string{col}, OneHot: cfg}
}

// Pseudonymize returns a Step that replaces the identifier column col (an IP
// address, IMSI or MSISDN of a user's flow export) by its keyed
// HMAC-SHA-256 token (RFC 2104) and encodes the token into cfg.Buckets
// one-hot outputs named "col#k" (feature hashing: the bucket is the token's
// first 8 bytes modulo Buckets).
//
// GDPR reasoning: the raw identifier never enters the model, the saved
// pipeline or an error message, and the key is not saved either, because a
// file holding both the key and a keyed hash of a small space (IPv4
// addresses, a country's MSISDNs) could be reversed by enumeration. The
// saved pipeline holds only an 8-byte key identifier; whoever scores with it
// supplies the key again (Pipeline.SetKey), and a wrong key is an error. The
// tokens (Pseudonymizer.Token) are pseudonymous, not anonymous, data: they
// can be logged and joined, and the key holder can re-identify them.
func Pseudonymize(col string, cfg PseudonymConfig) Step {
	cfg.Key = append([]byte(nil), cfg.Key...)
	return Step{Kind: KindPseudonymize, Columns: []string{col}, Pseudonym: cfg}
}

// MaxCode is the largest category code a Codes step accepts: 2^24 − 1, the
// largest integer up to which every integer is exact in float32, the type
// XGBoost compares category codes in.
const MaxCode = 1<<24 - 1

// Codes returns a Step that writes the category code of the categorical
// column col, as a model trained on codes expects it: float64(codes[v]) for
// a category v in codes, and NaN for any other (a category unseen in
// training), so that a model handling missing values (XGBoost's default
// direction) treats it as missing. The step therefore always lets NaN out;
// it implies KeepNaN. Its one output is named col (or Name after As), which
// is the feature name XGBoost gives a categorical column
// (enable_categorical), so that a bundle's feature-name check passes.
//
// The step is fitted on nothing: the code list is the one the model was
// trained with (XGBoost's categories in a pandas Categorical column; see
// xgboost.CategoryCodes, whose per-feature maps have this type). Codes must
// be in [0, MaxCode]; the map is copied. A saved pipeline with a Codes step
// is written in format version 2.
func Codes(col string, codes map[string]int) Step {
	c := make(map[string]int, len(codes))
	for k, v := range codes {
		c[k] = v
	}
	return Step{Kind: KindCodes, Columns: []string{col}, Codes: c, NaN: true}
}

// As returns a copy of s whose output name (Ratio, Mean, Codes) or output prefix
// (OneHot, Pseudonymize) is name.
func (s Step) As(name string) Step {
	s.Name = name
	return s
}

// KeepNaN returns a copy of s that lets NaN inputs through (see Step.NaN).
func (s Step) KeepNaN() Step {
	s.NaN = true
	return s
}

// outputName is the name of a numeric output with base name base.
func outputName(base string, ops []Op) string {
	for _, o := range ops {
		if !o.affine() {
			base = o.String() + "(" + base + ")"
		}
	}
	return base
}

func ratioName(a, b string) string { return "ratio(" + a + "," + b + ")" }

func meanName(cols []string) string { return "mean(" + strings.Join(cols, ",") + ")" }
