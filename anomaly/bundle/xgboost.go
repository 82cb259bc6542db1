package bundle

import (
	"fmt"
	"os"

	"github.com/netwarden/netwarden/forest/xgboost"
)

// XGBoostModel is an XGBoost model together with the document it was read
// from (XGBoost's JSON or UBJSON, or the legacy binary), which is what a
// bundle saves: loading the bundle parses that document again with
// xgboost.Parse, so the model scores identically. It has every method of
// xgboost.Model and is, like it, immutable and safe for concurrent use.
type XGBoostModel struct {
	*xgboost.Model
	src []byte
}

// ParseXGBoost parses an XGBoost model document (see xgboost.Parse) and
// keeps a copy of b for saving in a bundle.
func ParseXGBoost(b []byte) (*XGBoostModel, error) {
	m, err := xgboost.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &XGBoostModel{Model: m, src: append([]byte(nil), b...)}, nil
}

// LoadXGBoost reads and parses an XGBoost model file (see ParseXGBoost).
func LoadXGBoost(path string) (*XGBoostModel, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return ParseXGBoost(b)
}

// WithNormalClass returns the model scoring 1 − P(class k) for a
// multi-class model (see xgboost.Model.WithNormalClass); the bundle saves k.
func (x *XGBoostModel) WithNormalClass(k int) (*XGBoostModel, error) {
	m, err := x.Model.WithNormalClass(k)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return &XGBoostModel{Model: m, src: x.src}, nil
}
