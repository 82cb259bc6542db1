package features

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

var errNotFitted = fmt.Errorf("features: pipeline not fitted (use Fit or UnmarshalBinary): %w", errs.ErrNotFitted)

// record is the raw input of one transform: a dataset.Row or a string map,
// and the caller's buffer of columns holding unseen categories.
type record struct {
	row    *dataset.Row
	m      map[string]string
	unseen *[]int // nil: not tracked
}

// lookup finds column name in a record: by its key, or else by a key that
// dataset.CleanName turns into it (a key of the file's own header, such as
// " Destination Port"). It allocates nothing.
func lookup(m map[string]string, name string) (string, bool) {
	if s, ok := m[name]; ok {
		return s, true
	}
	for k, v := range m {
		if dataset.CleanName(k) == name {
			return v, true
		}
	}
	return "", false
}

func (p *Pipeline) num(r *record, j int) (float64, error) {
	if r.row != nil {
		return r.row.Num[j], nil
	}
	name := p.schema.Columns[j].Name
	s, ok := lookup(r.m, name)
	if !ok {
		return 0, fmt.Errorf("features: record has no column %q: %w", name, errs.ErrDimension)
	}
	v, err := p.policy.ParseNumber(s)
	if err != nil {
		return 0, fmt.Errorf("features: column %q: %w", name, err)
	}
	return v, nil
}

func (p *Pipeline) cat(r *record, j int) (string, error) {
	if r.row != nil {
		return r.row.Cat[j], nil
	}
	name := p.schema.Columns[j].Name
	s, ok := lookup(r.m, name)
	if !ok {
		return "", fmt.Errorf("features: record has no column %q: %w", name, errs.ErrDimension)
	}
	v, err := p.policy.ParseCategory(s)
	if err != nil {
		return "", fmt.Errorf("features: column %q: %w", name, err)
	}
	return v, nil
}

// markUnseen records that schema column j held a category not seen in
// training.
func (r *record) markUnseen(j int) {
	if r.unseen == nil || slices.Contains(*r.unseen, j) {
		return
	}
	*r.unseen = append(*r.unseen, j)
}

// TransformRow writes the NumFeatures outputs of raw row r into dst. r must
// have one Num and one Cat slot per column of the fitted schema (the row of
// a table with that schema); a shorter or longer row is an error wrapping
// ErrDimension that names the first missing column. A NaN or infinite value
// in a numeric column a step reads is an error wrapping ErrNaN that names
// the column, as is an unknown level under UnknownError (ErrUnknownCategory).
// On error dst holds partial output. TransformRow allocates nothing.
func (p *Pipeline) TransformRow(r *dataset.Row, dst []float64) error {
	if err := p.checkRow(r, dst); err != nil {
		return err
	}
	rec := record{row: r}
	return p.transform(&rec, dst)
}

// checkRow checks the shapes of a row and its destination.
func (p *Pipeline) checkRow(r *dataset.Row, dst []float64) error {
	if r == nil {
		return fmt.Errorf("features: nil row: %w", errs.ErrDimension)
	}
	if len(p.names) == 0 {
		return errNotFitted
	}
	if len(dst) != len(p.names) {
		return fmt.Errorf("features: dst has length %d, want %d: %w", len(dst), len(p.names), errs.ErrDimension)
	}
	n := len(p.schema.Columns)
	if len(r.Num) != n || len(r.Cat) != n {
		m := min(len(r.Num), len(r.Cat))
		if m < n {
			return fmt.Errorf("features: row has %d columns, the pipeline was fitted on %d: missing column %q: %w",
				m, n, p.schema.Columns[m].Name, errs.ErrDimension)
		}
		return fmt.Errorf("features: row has %d numeric and %d categorical slots, the pipeline was fitted on %d columns: %w",
			len(r.Num), len(r.Cat), n, errs.ErrDimension)
	}
	return nil
}

// TransformRowUnseen is TransformRow that also appends to unseen (a
// caller's buffer, which it returns) the schema index of every categorical
// column whose value was not seen in training: a OneHot level outside the
// fitted levels (whatever its Unknown policy) or a category outside a
// Codes step's list. Each column is listed once, in step order. A service
// reports these columns to show drift in its input. It allocates nothing
// once unseen has room for the categorical columns.
func (p *Pipeline) TransformRowUnseen(r *dataset.Row, dst []float64, unseen []int) ([]int, error) {
	unseen = unseen[:0]
	if err := p.checkRow(r, dst); err != nil {
		return unseen, err
	}
	rec := record{row: r, unseen: &unseen}
	err := p.transform(&rec, dst)
	return unseen, err
}

// TransformRecordUnseen is TransformRecord that also reports unseen
// categories, as TransformRowUnseen does.
func (p *Pipeline) TransformRecordUnseen(rec map[string]string, dst []float64, unseen []int) ([]int, error) {
	unseen = unseen[:0]
	if err := p.checkRecord(dst); err != nil {
		return unseen, err
	}
	r := record{m: rec, unseen: &unseen}
	err := p.transform(&r, dst)
	return unseen, err
}

// TransformRecord writes the NumFeatures outputs of the raw record rec
// (column name → value as text, as a service receives it) into dst. Every
// column a step reads must be present (an error naming the first missing
// one, wrapping ErrDimension). A key is the column's name, or a name that
// dataset.CleanName turns into it, so that the keys of the file's own
// header (" Destination Port", the renamed duplicate
// " Fwd Header Length.1") find their columns. Values are parsed by the
// pipeline's record policy (Policy), with the code of the CSV loader: a
// field the loader read at training ("Infinity" under an Inf policy of
// Replace, " 12", a missing token) is read alike here. Other keys are
// ignored. It allocates nothing.
func (p *Pipeline) TransformRecord(rec map[string]string, dst []float64) error {
	if err := p.checkRecord(dst); err != nil {
		return err
	}
	r := record{m: rec}
	return p.transform(&r, dst)
}

func (p *Pipeline) checkRecord(dst []float64) error {
	if len(p.names) == 0 {
		return errNotFitted
	}
	if len(dst) != len(p.names) {
		return fmt.Errorf("features: dst has length %d, want %d: %w", len(dst), len(p.names), errs.ErrDimension)
	}
	return nil
}

func (p *Pipeline) transform(r *record, dst []float64) error {
	for i := range p.steps {
		f := &p.steps[i]
		switch f.kind {
		case KindNumeric:
			v, err := p.num(r, f.src[0])
			if err != nil {
				return err
			}
			if dst[f.off], err = f.value(v); err != nil {
				return f.wrap(err)
			}
		case KindRatio, KindMean:
			var buf [maxMean]float64
			v := buf[:0]
			for _, j := range f.src {
				x, err := p.num(r, j)
				if err != nil {
					return err
				}
				if math.IsInf(x, 0) || (math.IsNaN(x) && !f.nan) {
					return fmt.Errorf("features: column %q: value %g: %w", p.schema.Columns[j].Name, x, errs.ErrNaN)
				}
				v = append(v, x)
			}
			var err error
			if dst[f.off], err = f.value(f.combine(v)); err != nil {
				return f.wrap(err)
			}
		case KindOneHot:
			s, err := p.cat(r, f.src[0])
			if err != nil {
				return err
			}
			out := dst[f.off : f.off+len(f.names)]
			clear(out)
			k, ok := f.index.get(f.group(s))
			if !ok {
				r.markUnseen(f.src[0])
				switch f.unknown {
				case UnknownError:
					return fmt.Errorf("features: column %q: level %q not seen in training: %w", f.srcNames[0], s, errs.ErrUnknownCategory)
				case UnknownOther:
					k, ok = f.other, true
				}
			}
			if ok {
				out[k] = 1
			}
		case KindCodes:
			s, err := p.cat(r, f.src[0])
			if err != nil {
				return err
			}
			if c, ok := f.codes[s]; ok {
				dst[f.off] = float64(c)
			} else {
				dst[f.off] = math.NaN()
				r.markUnseen(f.src[0])
			}
		case KindPseudonymize:
			if f.ps == nil {
				return fmt.Errorf("features: column %q: pseudonymization key not given (call SetKey after loading): %w", f.srcNames[0], errs.ErrNotFitted)
			}
			s, err := p.cat(r, f.src[0])
			if err != nil {
				return err
			}
			out := dst[f.off : f.off+len(f.names)]
			clear(out)
			out[f.ps.Bucket(s, len(out))] = 1
		}
	}
	return nil
}

// value applies the step's Op chain to v, checking NaN and infinities.
func (f *step) value(v float64) (float64, error) {
	if math.IsNaN(v) {
		if f.nan {
			return v, nil
		}
		return 0, fmt.Errorf("value %g: %w", v, errs.ErrNaN)
	}
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %g: %w", v, errs.ErrNaN)
	}
	for k := range f.ops {
		var err error
		if v, err = f.ops[k].apply(v); err != nil {
			return 0, err
		}
	}
	return v, nil
}

func (f *step) wrap(err error) error {
	if len(f.srcNames) == 1 {
		return fmt.Errorf("features: column %q: %w", f.srcNames[0], err)
	}
	return fmt.Errorf("features: output %q: %w", f.names[0], err)
}

// CheckSchema returns nil if s is the schema the pipeline was fitted on, and
// otherwise an error wrapping ErrDimension that names the first column that
// differs.
func (p *Pipeline) CheckSchema(s dataset.Schema) error {
	a, b := p.schema.Columns, s.Columns
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return fmt.Errorf("features: column %q was not in the fitted schema: %w", b[i].Name, errs.ErrDimension)
		case i >= len(b):
			return fmt.Errorf("features: column %q of the fitted schema is missing: %w", a[i].Name, errs.ErrDimension)
		case a[i] != b[i]:
			return fmt.Errorf("features: column %d is %q (%s), the pipeline was fitted with %q (%s): %w",
				i, b[i].Name, b[i].Kind, a[i].Name, a[i].Kind, errs.ErrDimension)
		}
	}
	return nil
}

// TransformTable transforms every row of t into a t.Len() × NumFeatures
// matrix, spreading rows over GOMAXPROCS goroutines. Columns are matched
// by name, as TransformRecord matches keys: t may hold the fitted
// schema's columns in another order, and columns the pipeline does not
// know, which are ignored. A fitted column that t lacks, or holds with
// another kind, is an error wrapping ErrDimension that names it. A row
// that cannot be transformed is an error naming the row (the first such
// row) by its file line when t was read from a file (dataset.Table.Where)
// and its 0-based index. A table without rows is an error wrapping
// ErrEmpty.
func (p *Pipeline) TransformTable(ctx context.Context, t *dataset.Table) (*mat.Dense, error) {
	if len(p.names) == 0 {
		return nil, errNotFitted
	}
	perm, err := p.match(t.Schema())
	if err != nil {
		return nil, err
	}
	n, w := t.Len(), len(p.names)
	if n == 0 {
		return nil, fmt.Errorf("features: transform a table without rows: %w", errs.ErrEmpty)
	}
	data := make([]float64, n*w)
	workers := min(runtime.GOMAXPROCS(0), (n+1023)/1024)
	chunk := (n + workers - 1) / workers
	errsBy := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := k*chunk, min(n, (k+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r, mr dataset.Row
			row := &r
			if perm != nil {
				mr.Reset(len(perm))
				row = &mr
			}
			for i := lo; i < hi; i++ {
				if (i-lo)%4096 == 0 && ctx.Err() != nil {
					errsBy[k] = ctx.Err()
					return
				}
				t.Row(i, &r)
				for j, c := range perm {
					mr.Num[j], mr.Cat[j] = r.Num[c], r.Cat[c]
				}
				if err := p.TransformRow(row, data[i*w:(i+1)*w]); err != nil {
					errsBy[k] = fmt.Errorf("features: %s: %w", t.Where(i), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := firstErr(errsBy); err != nil {
		return nil, err
	}
	return mat.NewDense(n, w, data), nil
}

// match maps each fitted column to the column of s of the same name: nil
// when s is the fitted schema itself, else perm[j] is the column of s
// holding fitted column j.
func (p *Pipeline) match(s dataset.Schema) ([]int, error) {
	if p.CheckSchema(s) == nil {
		return nil, nil
	}
	perm := make([]int, len(p.schema.Columns))
	for j, c := range p.schema.Columns {
		k := s.Index(c.Name)
		if k < 0 {
			return nil, fmt.Errorf("features: the table has no column %q of the fitted schema%s: %w",
				c.Name, didYouMean(c.Name, s), errs.ErrDimension)
		}
		if s.Columns[k].Kind != c.Kind {
			return nil, fmt.Errorf("features: column %q is %s, the pipeline was fitted with it %s: %w",
				c.Name, s.Columns[k].Kind, c.Kind, errs.ErrDimension)
		}
		perm[j] = k
	}
	return perm, nil
}

func firstErr(es []error) error {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

// Transformer is the contract of a fitted feature transformer: raw records
// in, named numeric rows out, the same way at training and at scoring time.
// *Pipeline satisfies it; code that only transforms (a scoring service, a
// bundle) can take a Transformer.
type Transformer interface {
	// TransformRow writes the outputs of one raw row into dst (length
	// NumFeatures) without allocating.
	TransformRow(r *dataset.Row, dst []float64) error
	// TransformTable transforms a whole table into a rows × NumFeatures
	// matrix.
	TransformTable(ctx context.Context, t *dataset.Table) (*mat.Dense, error)
	// Names returns one name per output.
	Names() []string
	// NumFeatures returns the number of outputs.
	NumFeatures() int
}

var _ Transformer = (*Pipeline)(nil)
