package features

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// fop is one fitted Op: y = f(x) for Log1p and Log, y = (x - center) / scale
// for the affine Ops.
type fop struct {
	op            Op
	center, scale float64
}

// step is one fitted Step, compiled for TransformRow.
type step struct {
	kind     Kind
	src      []int    // schema column indices
	srcNames []string // their names
	ops      []fop
	nan      bool
	smooth   float64
	off      int      // first output
	names    []string // output names

	// one-hot
	index   levelIndex // (mapped) value → output within the step
	unknown Unknown
	other   int32 // output of the "other" bucket, -1 if none
	mapping map[string]string
	mapDef  string

	// codes
	codes map[string]int32 // category → code; others are NaN

	// pseudonymize
	keyID [keyIDLen]byte
	ps    *Pseudonymizer // nil until the key is given
}

// Pipeline is a fitted list of Steps: it turns a raw record of the schema it
// was fitted on into NumFeatures named values. Build one with Fit, or load
// one with UnmarshalBinary.
//
// A Pipeline is read-only and safe for concurrent use, except SetKey, which
// must be called before it is shared.
type Pipeline struct {
	policy dataset.RecordPolicy // how TransformRecord parses text
	schema dataset.Schema
	steps  []step
	names  []string
}

// MaxOutputs is the largest number of outputs a pipeline may have: Fit
// refuses more, and UnmarshalBinary refuses a saved pipeline declaring
// more before allocating for them.
const MaxOutputs = 1 << 20

// Fit fits steps, in order, on t and returns the Pipeline. Each Step's
// outputs follow the previous Step's. A step naming a column that t does not
// have, or a column of the wrong kind, is an error naming it; so is a NaN or
// infinite value in a numeric column a step reads (unless the step keeps
// NaN), and an empty table (ErrEmpty). Fit reads t concurrently but does not
// modify it.
func Fit(ctx context.Context, t *dataset.Table, steps ...Step) (*Pipeline, error) {
	if t == nil || t.Len() == 0 {
		return nil, fmt.Errorf("features: fit on a table without rows: %w", errs.ErrEmpty)
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("features: fit without steps: %w", errs.ErrEmpty)
	}
	p := &Pipeline{schema: t.Schema(), policy: dataset.LegacyRecordPolicy()}
	if pol, ok := t.Policy(); ok {
		p.policy = pol
	}
	for k, s := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fitted, err := p.fitStep(t, s)
		if err != nil {
			return nil, fmt.Errorf("features: step %d (%s): %w", k, s.Kind, err)
		}
		for _, f := range fitted {
			f.off = len(p.names)
			p.names = append(p.names, f.names...)
			if len(p.names) > MaxOutputs {
				return nil, fmt.Errorf("features: %d outputs, at most %d: %w", len(p.names), MaxOutputs, errs.ErrDimension)
			}
			p.steps = append(p.steps, f)
		}
	}
	if len(p.names) == 0 {
		return nil, fmt.Errorf("features: steps produce no output: %w", errs.ErrEmpty)
	}
	if err := p.checkNames(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Pipeline) checkNames() error {
	// A sorted permutation, not a map: four bytes per output, so that a
	// decoded pipeline's check costs memory in proportion to its input.
	order := make([]int32, len(p.names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(p.names[a], p.names[b]) })
	if len(order) > 0 && p.names[order[0]] == "" {
		return fmt.Errorf("features: an output has an empty name (an unnamed column?): name it with As: %w", errs.ErrFormat)
	}
	for i := 1; i < len(order); i++ {
		if n := p.names[order[i]]; n == p.names[order[i-1]] {
			return fmt.Errorf("features: two outputs are named %q: rename one with As: %w", n, errs.ErrFormat)
		}
	}
	return nil
}

// column resolves a column name to its index, checking its kind.
func (p *Pipeline) column(name string, kind dataset.Kind) (int, error) {
	j := p.schema.Index(name)
	if j < 0 {
		return 0, fmt.Errorf("column %q is not in the table%s: %w", name, didYouMean(name, p.schema), errs.ErrDimension)
	}
	if k := p.schema.Columns[j].Kind; k != kind {
		hint := ""
		if k == dataset.Numeric {
			hint = " (to encode it by level, read it as text: list it in dataset.CSVConfig.Categorical)"
		} else {
			hint = " (a categorical column is encoded by OneHot, Codes or Pseudonymize)"
		}
		return 0, fmt.Errorf("column %q is %s, the step needs a %s column%s: %w", name, k, kind, hint, errs.ErrDimension)
	}
	return j, nil
}

func (p *Pipeline) fitStep(t *dataset.Table, s Step) ([]step, error) {
	for _, o := range s.Ops {
		if !o.valid() {
			return nil, fmt.Errorf("unknown op %d: %w", uint8(o), errs.ErrUnsupported)
		}
	}
	switch s.Kind {
	case KindNumeric, KindDrop:
		var cols []string
		if s.Kind == KindNumeric {
			cols = s.Columns
		} else {
			drop := map[string]bool{}
			for _, c := range s.Columns {
				if p.schema.Index(c) < 0 {
					return nil, fmt.Errorf("column %q is not in the table%s: %w", c, didYouMean(c, p.schema), errs.ErrDimension)
				}
				drop[c] = true
			}
			for _, c := range p.schema.Columns {
				if c.Kind == dataset.Numeric && !drop[c.Name] {
					cols = append(cols, c.Name)
				}
			}
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("no column: %w", errs.ErrEmpty)
		}
		out := make([]step, 0, len(cols))
		for _, c := range cols {
			j, err := p.column(c, dataset.Numeric)
			if err != nil {
				return nil, err
			}
			f := step{kind: KindNumeric, src: []int{j}, srcNames: []string{c}, nan: s.NaN}
			if err := f.fitOps(t, s.Ops, func(i int) float64 { return t.Numeric(j)[i] }); err != nil {
				return nil, err
			}
			f.names = []string{outputName(c, s.Ops)}
			out = append(out, f)
		}
		return out, nil
	case KindRatio, KindMean:
		need := 2
		if s.Kind == KindMean {
			need = 1
		}
		if len(s.Columns) < need || len(s.Columns) > maxMean || (s.Kind == KindRatio && len(s.Columns) != 2) {
			return nil, fmt.Errorf("%d columns: %w", len(s.Columns), errs.ErrDimension)
		}
		f := step{kind: s.Kind, nan: s.NaN, smooth: s.Smoothing}
		if f.smooth <= 0 || math.IsNaN(f.smooth) || math.IsInf(f.smooth, 0) {
			f.smooth = 1
		}
		if s.Kind == KindMean {
			f.smooth = 0
		}
		var cols [][]float64
		for _, c := range s.Columns {
			j, err := p.column(c, dataset.Numeric)
			if err != nil {
				return nil, err
			}
			f.src = append(f.src, j)
			f.srcNames = append(f.srcNames, c)
			cols = append(cols, t.Numeric(j))
		}
		var vals [4]float64
		err := f.fitOps(t, s.Ops, func(i int) float64 {
			v := vals[:0]
			for _, c := range cols {
				v = append(v, c[i])
			}
			return f.combine(v)
		})
		if err != nil {
			return nil, err
		}
		name := s.Name
		if name == "" {
			if s.Kind == KindRatio {
				name = ratioName(s.Columns[0], s.Columns[1])
			} else {
				name = meanName(s.Columns)
			}
		}
		f.names = []string{outputName(name, s.Ops)}
		return []step{f}, nil
	case KindOneHot:
		f, err := p.fitOneHot(t, s)
		if err != nil {
			return nil, err
		}
		return []step{f}, nil
	case KindCodes:
		f, err := p.fitCodes(s)
		if err != nil {
			return nil, err
		}
		return []step{f}, nil
	case KindPseudonymize:
		if len(s.Columns) != 1 {
			return nil, fmt.Errorf("%d columns, want 1: %w", len(s.Columns), errs.ErrDimension)
		}
		j, err := p.column(s.Columns[0], dataset.Categorical)
		if err != nil {
			return nil, err
		}
		ps, err := NewPseudonymizer(s.Pseudonym.Key)
		if err != nil {
			return nil, err
		}
		b := s.Pseudonym.Buckets
		if b == 0 {
			b = DefaultBuckets
		}
		if b < 1 || b > maxBuckets {
			return nil, fmt.Errorf("%d buckets, want 1 to %d: %w", b, maxBuckets, errs.ErrDimension)
		}
		prefix := s.Name
		if prefix == "" {
			prefix = s.Columns[0]
		}
		f := step{kind: KindPseudonymize, src: []int{j}, srcNames: []string{s.Columns[0]}, ps: ps, keyID: ps.id}
		f.names = make([]string, b)
		for k := range f.names {
			f.names[k] = prefix + "#" + strconv.Itoa(k)
		}
		return []step{f}, nil
	}
	return nil, fmt.Errorf("unknown step kind %d: %w", uint8(s.Kind), errs.ErrUnsupported)
}

// combine computes a Ratio's or Mean's value from its inputs.
func (f *step) combine(v []float64) float64 {
	if f.kind == KindRatio {
		return (v[0] + f.smooth) / (max(v[1], 0) + f.smooth)
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// fitOps fits the Op chain on the n values value(i) of the rows of t and
// stores it in f. Errors name the column and the row (t.Where).
func (f *step) fitOps(t *dataset.Table, ops []Op, value func(i int) float64) error {
	n := t.Len()
	col := strconv.Quote(f.srcNames[0])
	if len(f.srcNames) > 1 {
		col = fmt.Sprintf("%q", f.srcNames)
	}
	x := make([]float64, 0, n)
	var rows []int // row of x[i] when NaN rows were left out
	for i := 0; i < n; i++ {
		v := value(i)
		if math.IsNaN(v) && f.nan {
			if rows == nil {
				rows = make([]int, len(x), n)
				for k := range rows {
					rows[k] = k
				}
			}
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("column %s: %s: value %g: %w", col, t.Where(i), v, errs.ErrNaN)
		}
		x = append(x, v)
		if rows != nil {
			rows = append(rows, i)
		}
	}
	f.ops = make([]fop, len(ops))
	for k, o := range ops {
		fo := fop{op: o, scale: 1}
		switch o {
		case Log1p, Log:
			for i, v := range x {
				y, err := fo.apply(v)
				if err != nil {
					row := i
					if rows != nil {
						row = rows[i]
					}
					return fmt.Errorf("column %s: %s: %w", col, t.Where(row), err)
				}
				x[i] = y
			}
			f.ops[k] = fo
			continue
		case Standardize:
			if len(x) > 0 {
				var m float64
				for _, v := range x {
					m += v
				}
				m /= float64(len(x))
				var ss float64
				for _, v := range x {
					ss += (v - m) * (v - m)
				}
				fo.center = m
				if sd := math.Sqrt(ss / float64(len(x))); sd > 0 && !math.IsInf(sd, 0) {
					fo.scale = sd
				}
			}
		case MinMax:
			if len(x) > 0 {
				lo, hi := slices.Min(x), slices.Max(x)
				fo.center = lo
				if r := hi - lo; r > 0 && !math.IsInf(r, 0) {
					fo.scale = r
				}
			}
		case Robust:
			if len(x) > 0 {
				s := slices.Clone(x)
				sort.Float64s(s)
				fo.center = quantile(s, 0.5)
				if iqr := quantile(s, 0.75) - quantile(s, 0.25); iqr > 0 {
					fo.scale = iqr
				}
			}
		}
		for i, v := range x {
			x[i] = (v - fo.center) / fo.scale
		}
		f.ops[k] = fo
	}
	return nil
}

// quantile is numpy's default (linear) quantile of sorted s.
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(i)
	return s[i] + (s[i+1]-s[i])*frac
}

// apply applies one fitted Op.
func (o *fop) apply(v float64) (float64, error) {
	switch o.op {
	case Log1p:
		if v <= -1 {
			return 0, fmt.Errorf("log1p of %g: %w", v, errs.ErrNaN)
		}
		return math.Log1p(v), nil
	case Log:
		if v <= 0 {
			return 0, fmt.Errorf("log of %g: %w", v, errs.ErrNaN)
		}
		return math.Log(v), nil
	}
	return (v - o.center) / o.scale, nil
}

func (p *Pipeline) fitOneHot(t *dataset.Table, s Step) (step, error) {
	if len(s.Columns) != 1 {
		return step{}, fmt.Errorf("%d columns, want 1: %w", len(s.Columns), errs.ErrDimension)
	}
	cfg := s.OneHot
	if cfg.Unknown > UnknownOther {
		return step{}, fmt.Errorf("unknown-level policy %d: %w", uint8(cfg.Unknown), errs.ErrUnsupported)
	}
	col := s.Columns[0]
	j, err := p.column(col, dataset.Categorical)
	if err != nil {
		return step{}, err
	}
	f := step{kind: KindOneHot, src: []int{j}, srcNames: []string{col}, unknown: cfg.Unknown, other: -1}
	if cfg.Map != nil {
		f.mapping = make(map[string]string, len(cfg.Map))
		for k, v := range cfg.Map {
			f.mapping[k] = v
		}
		f.mapDef = cfg.Default
		if f.mapDef == "" {
			f.mapDef = "other"
		}
	}
	codes, levels := t.Codes(j)
	perCode := make([]int, len(levels))
	for _, c := range codes {
		perCode[c]++
	}
	counts := map[string]int{}
	for c, l := range levels {
		if perCode[c] > 0 {
			counts[f.group(l)] += perCode[c]
		}
	}
	var kept, rare []string
	for g, n := range counts {
		if n < cfg.MinCount {
			rare = append(rare, g)
		} else {
			kept = append(kept, g)
		}
	}
	sort.Strings(kept)
	sort.Strings(rare)
	prefix := s.Name
	if prefix == "" {
		prefix = col
	}
	idx := make(map[string]int32, len(counts))
	for k, g := range kept {
		idx[g] = int32(k)
		f.names = append(f.names, prefix+"="+g)
	}
	if len(rare) > 0 || cfg.Unknown == UnknownOther {
		other := cfg.Other
		if other == "" {
			other = DefaultOther
		}
		f.other = int32(len(kept))
		f.names = append(f.names, prefix+"="+other)
		for _, g := range rare {
			idx[g] = f.other
		}
	}
	f.index = newLevelIndex(idx)
	return f, nil
}

// levelIndex maps a OneHot step's (mapped) levels to its outputs: levels
// sorted, found by binary search. It costs a string header and an int32
// per level, a third of a map's memory, so that a decoded pipeline costs a
// small multiple of its bytes.
type levelIndex struct {
	levels []string // sorted, distinct
	out    []int32  // output of levels[i] within the step
}

func newLevelIndex(m map[string]int32) levelIndex {
	x := levelIndex{levels: make([]string, 0, len(m)), out: make([]int32, len(m))}
	for k := range m {
		x.levels = append(x.levels, k)
	}
	slices.Sort(x.levels)
	for i, k := range x.levels {
		x.out[i] = m[k]
	}
	return x
}

// get returns the output of level s.
func (x *levelIndex) get(s string) (int32, bool) {
	i, ok := slices.BinarySearch(x.levels, s)
	if !ok {
		return 0, false
	}
	return x.out[i], true
}

// fitCodes compiles a Codes step; it reads no data, only the schema.
func (p *Pipeline) fitCodes(s Step) (step, error) {
	if len(s.Columns) != 1 {
		return step{}, fmt.Errorf("%d columns, want 1: %w", len(s.Columns), errs.ErrDimension)
	}
	col := s.Columns[0]
	j, err := p.column(col, dataset.Categorical)
	if err != nil {
		return step{}, err
	}
	if len(s.Ops) > 0 {
		return step{}, fmt.Errorf("column %q: ops on a codes step: %w", col, errs.ErrUnsupported)
	}
	if len(s.Codes) == 0 {
		return step{}, fmt.Errorf("column %q: no category codes: %w", col, errs.ErrEmpty)
	}
	f := step{kind: KindCodes, src: []int{j}, srcNames: []string{col}, nan: true,
		codes: make(map[string]int32, len(s.Codes))}
	for k, v := range s.Codes {
		if v < 0 || v > MaxCode {
			return step{}, fmt.Errorf("column %q: category %q has code %d, want 0 to %d: %w", col, k, v, MaxCode, errs.ErrFormat)
		}
		f.codes[k] = int32(v)
	}
	name := s.Name
	if name == "" {
		name = col
	}
	f.names = []string{name}
	return f, nil
}

// group maps a raw value through the step's value → group map, if any.
func (f *step) group(v string) string {
	if f.mapping == nil {
		return v
	}
	if g, ok := f.mapping[v]; ok {
		return g
	}
	return f.mapDef
}

// NumFeatures returns the number of outputs.
func (p *Pipeline) NumFeatures() int { return len(p.names) }

// Names returns the output names in order (the pipeline's storage: do not
// modify).
func (p *Pipeline) Names() []string { return p.names }

// Sources returns the raw columns output i was computed from: one for most
// outputs, two for a Ratio, several for a Mean (the pipeline's storage: do
// not modify). It panics if i is out of range, like a slice index.
func (p *Pipeline) Sources(i int) []string {
	if i < 0 || i >= len(p.names) {
		panic(fmt.Sprintf("features: output %d of %d", i, len(p.names)))
	}
	k := sort.Search(len(p.steps), func(k int) bool { return p.steps[k].off > i }) - 1
	return p.steps[k].srcNames
}

// Schema returns the schema the pipeline was fitted on (a copy).
func (p *Pipeline) Schema() dataset.Schema {
	return dataset.Schema{Columns: slices.Clone(p.schema.Columns)}
}

// Index returns the position of the output called name, or -1.
func (p *Pipeline) Index(name string) int { return slices.Index(p.names, name) }

// Policy returns the record-parsing policy TransformRecord parses a
// record's text with (a copy): the policy of the table the pipeline was
// fitted on (dataset.Table.Policy), so that a record the loader accepted
// is a record the pipeline accepts, or dataset.LegacyRecordPolicy when that
// table was not read from text and for a pipeline saved before pipelines
// kept their policy (format versions 1 and 2).
func (p *Pipeline) Policy() dataset.RecordPolicy {
	pol := p.policy
	pol.MissingTokens = slices.Clone(pol.MissingTokens)
	return pol
}

// SetPolicy replaces the record-parsing policy (see Policy), for a
// pipeline fitted on a table built in code from text parsed elsewhere. An
// invalid policy is an error wrapping ErrFormat. SetPolicy must be called
// before the pipeline is used concurrently.
func (p *Pipeline) SetPolicy(pol dataset.RecordPolicy) error {
	if err := pol.Valid(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	pol.MissingTokens = slices.Clone(pol.MissingTokens)
	p.policy = pol
	return nil
}

// SetKey gives the pipeline the key of its Pseudonymize steps after
// UnmarshalBinary (a saved pipeline holds no key). It sets key on every step
// whose key identifier matches and is an error wrapping ErrFormat if none
// does (a wrong key). SetKey must be called before the pipeline is used
// concurrently.
func (p *Pipeline) SetKey(key []byte) error {
	ps, err := NewPseudonymizer(key)
	if err != nil {
		return err
	}
	n := 0
	for i := range p.steps {
		if p.steps[i].kind == KindPseudonymize && p.steps[i].keyID == ps.id {
			p.steps[i].ps = ps
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("features: key does not match any pseudonymize step (wrong key): %w", errs.ErrFormat)
	}
	return nil
}

// NeedsKey reports whether a Pseudonymize step still lacks its key (after
// UnmarshalBinary, until SetKey).
func (p *Pipeline) NeedsKey() bool {
	for i := range p.steps {
		if p.steps[i].kind == KindPseudonymize && p.steps[i].ps == nil {
			return true
		}
	}
	return false
}

// didYouMean names the column that name differs from only by case or
// spaces, or returns "".
func didYouMean(name string, s dataset.Schema) string {
	norm := func(v string) string { return strings.ToLower(strings.Join(strings.Fields(v), "")) }
	for _, c := range s.Columns {
		if norm(c.Name) == norm(name) {
			return fmt.Sprintf(" (did you mean %q?)", c.Name)
		}
	}
	return ""
}
