package dataset

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/netwarden/netwarden/internal/errs"
)

// Stratum says which per-row value a stratified split keeps in proportion.
type Stratum uint8

const (
	// ByLabel keeps the share of every label (the default): each attack
	// name or family of the label column, and the benign label, appears in
	// both parts in the proportion of the whole table.
	ByLabel Stratum = iota
	// ByFamily keeps the share of every attack family (Table.Family).
	ByFamily
	// ByCategory keeps the share of every Category.
	ByCategory
	// ByAttack keeps the share of benign and attack rows only.
	ByAttack
)

// SplitConfig configures Split. Its zero value puts 30 % of the rows of
// every label into the second part, with seed 0.
type SplitConfig struct {
	// Fraction is the share of rows in the second part (the test or
	// calibration rows), in (0, 1); 0 means 0.3. Each stratum of n rows
	// gives about Fraction × n of them (largest remainders make the total
	// ⌈Fraction × rows⌉, as scikit-learn's train_test_split).
	Fraction float64
	// Stratify is the per-row value kept in proportion (default ByLabel).
	Stratify Stratum
	// Seed seeds the shuffle (PCG); the same table and seed give the same
	// split.
	Seed uint64
}

// Split divides t into two tables by a stratified, seeded random draw: the
// rows of each stratum (see SplitConfig.Stratify) are shuffled and a
// Fraction of them goes to second, the rest to first; both keep the rows
// in table order. Use it for train/test, and again on the training part for
// train/calibration. A stratum of a single row stays in first.
//
// Random splits of network flows leak: flows of one session, host or
// attack run fall on both sides, and a model looks better than it will be
// on next week's traffic (Arp et al., "Dos and Don'ts of Machine Learning
// in Computer Security", USENIX Security 2022, pitfalls "sampling bias" and
// "data snooping"). When the table has a timestamp, SplitByTime is the
// sounder choice.
//
// A table without rows wraps ErrEmpty; a Fraction outside (0, 1) or a
// split that leaves either part empty wraps ErrDimension.
func Split(t *Table, cfg SplitConfig) (first, second *Table, err error) {
	if t == nil || t.Len() == 0 {
		return nil, nil, fmt.Errorf("dataset: split a table without rows: %w", errs.ErrEmpty)
	}
	frac, err := splitFraction(cfg.Fraction)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Stratify > ByAttack {
		return nil, nil, fmt.Errorf("dataset: split: stratum %d: %w", cfg.Stratify, errs.ErrDimension)
	}
	// Group the rows by stratum, strata in first-seen order.
	key := func(i int) string {
		switch cfg.Stratify {
		case ByFamily:
			return t.Family(i)
		case ByCategory:
			return t.categories[i].String()
		case ByAttack:
			if t.IsAttack(i) {
				return "attack"
			}
			return "benign"
		}
		return t.labels[i]
	}
	index := map[string]int{}
	var strata [][]int
	for i := range t.Len() {
		k := key(i)
		s, ok := index[k]
		if !ok {
			s = len(strata)
			index[k] = s
			strata = append(strata, nil)
		}
		strata[s] = append(strata[s], i)
	}
	// Largest remainders: floor(frac × n) per stratum, then one more for the
	// strata with the largest fractional parts until the total is
	// ceil(frac × rows).
	total := int(math.Ceil(frac * float64(t.Len())))
	take := make([]int, len(strata))
	type rem struct {
		s int
		r float64
	}
	var rems []rem
	got := 0
	for s, rows := range strata {
		if len(rows) < 2 {
			continue
		}
		want := frac * float64(len(rows))
		take[s] = int(want)
		got += take[s]
		if take[s] < len(rows)-1 {
			rems = append(rems, rem{s, want - float64(take[s])})
		}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for _, r := range rems {
		if got >= total {
			break
		}
		take[r.s]++
		got++
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	var a, b []int
	for s, rows := range strata {
		perm := slices.Clone(rows)
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		b = append(b, perm[:take[s]]...)
		a = append(a, perm[take[s]:]...)
	}
	if len(a) == 0 || len(b) == 0 {
		return nil, nil, fmt.Errorf("dataset: split of %d rows at fraction %g leaves a part empty: %w", t.Len(), frac, errs.ErrDimension)
	}
	slices.Sort(a)
	slices.Sort(b)
	return t.Subset(a), t.Subset(b), nil
}

func splitFraction(f float64) (float64, error) {
	if f == 0 {
		return 0.3, nil
	}
	if !(f > 0 && f < 1) {
		return 0, fmt.Errorf("dataset: split fraction %g, want a value in (0, 1): %w", f, errs.ErrDimension)
	}
	return f, nil
}

// TimeSplitConfig configures SplitByTime.
type TimeSplitConfig struct {
	// Column is the timestamp column: numeric (seconds since the epoch,
	// as UNSW-NB15's stime, or any increasing number) or categorical,
	// parsed with Layout.
	Column string
	// Fraction is the share of rows, the latest, in the second part; 0
	// means 0.3.
	Fraction float64
	// Layout is the time.Parse layout of a categorical Column; "" means
	// time.RFC3339. CICFlowMeter writes "02/01/2006 03:04:05 PM" or
	// "2/1/2006 15:04" depending on the version.
	Layout string
}

// SplitByTime divides t in time: the earliest rows go to first, the latest
// Fraction to second, so that a model is tested on traffic later than all
// it was trained on, as it will be used (Arp et al., "Dos and Don'ts of
// Machine Learning in Computer Security", USENIX Security 2022: random
// splits of time-ordered data let the model see the future). Rows with the
// timestamp of the cut all go to first, so no instant is on both sides.
// Both parts keep table order. The timestamp column stays in the tables:
// leave it out of the features (features.Drop).
//
// Errors: no rows (ErrEmpty); a column that does not exist, a Fraction
// outside (0, 1) or a cut that leaves a part empty (ErrDimension); a NaN
// timestamp or text that does not parse, naming the row (ErrFormat).
func SplitByTime(t *Table, cfg TimeSplitConfig) (first, second *Table, err error) {
	if t == nil || t.Len() == 0 {
		return nil, nil, fmt.Errorf("dataset: split a table without rows: %w", errs.ErrEmpty)
	}
	frac, err := splitFraction(cfg.Fraction)
	if err != nil {
		return nil, nil, err
	}
	j := t.schema.Index(cfg.Column)
	if j < 0 {
		return nil, nil, fmt.Errorf("dataset: split by time: column %q is not in the table%s: %w",
			cfg.Column, didYouMean(cfg.Column, t.columnNames()), errs.ErrDimension)
	}
	ts := make([]float64, t.Len())
	if t.schema.Columns[j].Kind == Numeric {
		for i, v := range t.num[j] {
			if math.IsNaN(v) {
				return nil, nil, fmt.Errorf("dataset: split by time: row %d (0-based), column %q: NaN timestamp: %w", i, cfg.Column, errs.ErrFormat)
			}
			ts[i] = v
		}
	} else {
		layout := cfg.Layout
		if layout == "" {
			layout = time.RFC3339
		}
		codes, levels := t.Codes(j)
		parsed := make([]float64, len(levels))
		ok := make([]bool, len(levels))
		for i, c := range codes {
			if !ok[c] {
				tm, err := time.Parse(layout, levels[c])
				if err != nil {
					return nil, nil, fmt.Errorf("dataset: split by time: row %d (0-based), column %q: %q does not parse with layout %q: %w",
						i, cfg.Column, levels[c], layout, errs.ErrFormat)
				}
				parsed[c], ok[c] = float64(tm.UnixNano()), true
			}
			ts[i] = parsed[c]
		}
	}
	order := make([]int, t.Len())
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ts[a], ts[b]) })
	cut := t.Len() - int(math.Ceil(frac*float64(t.Len())))
	for cut > 0 && cut < len(order) && ts[order[cut]] == ts[order[cut-1]] {
		cut++
	}
	if cut <= 0 || cut >= len(order) {
		return nil, nil, fmt.Errorf("dataset: split by time of %d rows at fraction %g leaves a part empty (too few distinct timestamps): %w",
			t.Len(), frac, errs.ErrDimension)
	}
	a, b := slices.Clone(order[:cut]), slices.Clone(order[cut:])
	slices.Sort(a)
	slices.Sort(b)
	return t.Subset(a), t.Subset(b), nil
}

func (t *Table) columnNames() []string {
	out := make([]string, len(t.schema.Columns))
	for i, c := range t.schema.Columns {
		out[i] = c.Name
	}
	return out
}
