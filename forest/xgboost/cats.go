package xgboost

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/netwarden/netwarden/internal/errs"
)

// CategoryCodes maps, for each categorical feature (by name), each category
// string to the integer code a model with categorical splits was trained
// with. A feature pipeline uses it to feed such a model from a raw record:
// the code goes in the feature's column as a float64, and a category the
// model never saw goes in as NaN (missing), which follows each split's
// default direction, as XGBoost itself treats an unseen category.
type CategoryCodes map[string]map[string]int

// Code returns the code of category value for feature, or NaN when the
// feature has no codes or the value was not seen in training.
func (c CategoryCodes) Code(feature, value string) float64 {
	if v, ok := c[feature][value]; ok {
		return float64(v)
	}
	return math.NaN()
}

// NewCategoryCodes builds codes from ordered category lists, the code of a
// category being its index in its list (pandas' cat.categories order,
// which is what XGBoost trains on). A repeated category is an error.
func NewCategoryCodes(lists map[string][]string) (CategoryCodes, error) {
	c := make(CategoryCodes, len(lists))
	for f, list := range lists {
		m := make(map[string]int, len(list))
		for i, v := range list {
			if _, dup := m[v]; dup {
				return nil, fmt.Errorf("xgboost: feature %q: category %q listed twice: %w", f, v, errs.ErrFormat)
			}
			m[v] = i
		}
		c[f] = m
	}
	return c, nil
}

// ReadCategoryCodes reads a JSON object mapping each categorical feature
// to its ordered list of categories, such as
// {"protocol_type": ["icmp", "tcp", "udp"], …}, as a training script
// writes with json.dump({c: list(df[c].cat.categories) for c in cats}).
func ReadCategoryCodes(r io.Reader) (CategoryCodes, error) {
	var lists map[string][]string
	dec := json.NewDecoder(io.LimitReader(r, MaxModelSize))
	if err := dec.Decode(&lists); err != nil {
		return nil, fmt.Errorf("xgboost: category lists: %v: %w", err, errs.ErrFormat)
	}
	return NewCategoryCodes(lists)
}

// CategoryCodes returns the category codes stored in the model itself
// (the "cats" container XGBoost 3.1 and later saves when trained on a
// dataframe with categorical columns), keyed by feature name (or "f<i>"
// when the model has no names), or nil when the model holds none.
func (m *Model) CategoryCodes() CategoryCodes {
	if m.cats == nil {
		return nil
	}
	c := make(CategoryCodes, len(m.cats))
	for f, codes := range m.cats {
		cp := make(map[string]int, len(codes))
		for k, v := range codes {
			cp[k] = v
		}
		c[f] = cp
	}
	return c
}

func (m *Model) setCats(rc *rawCats, bud *budget) error {
	if len(rc.enc) == 0 {
		return nil
	}
	if len(rc.enc) != m.nfeat {
		return formatErr("field cats.enc: %d features, model has %d", len(rc.enc), m.nfeat)
	}
	if rc.segments != nil && len(rc.segments) != m.nfeat+1 {
		return formatErr("field cats.feature_segments: %d entries, want %d", len(rc.segments), m.nfeat+1)
	}
	m.cats = CategoryCodes{}
	for f, names := range rc.enc {
		if names == nil {
			continue
		}
		if rc.segments != nil && int64(rc.segments[f+1])-int64(rc.segments[f]) != int64(len(names)) {
			return formatErr("field cats: feature %d has %d categories, feature_segments says %v", f, len(names), int64(rc.segments[f+1])-int64(rc.segments[f]))
		}
		// A map entry costs about 40 bytes with its share of the table.
		if err := bud.take(64+48*len(names), "cats"); err != nil {
			return err
		}
		key := fmt.Sprintf("f%d", f)
		if m.names != nil {
			key = m.names[f]
		}
		codes := make(map[string]int, len(names))
		for i, n := range names {
			if _, dup := codes[n]; dup {
				return formatErr("field cats: feature %d: category %q twice", f, printable(n))
			}
			codes[n] = i
		}
		m.cats[key] = codes
	}
	return nil
}
