package xgboost

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// MaxModelSize bounds the bytes Read accepts (1 GiB), so that a stream
// without an end cannot exhaust memory.
const MaxModelSize = 1 << 30

// Model is an XGBoost model read from a file: a gbtree, dart or gblinear
// booster with its objective. Its trees are held in the flat layout of
// internal/tree, with each numerical split's float32 condition stored as
// the float64 threshold that reproduces XGBoost's float32 comparison
// exactly, and margins accumulate in float32 in tree order as XGBoost's CPU
// predictor does, so predictions match XGBoost's to float32 rounding. It
// scores every boosting round it holds, as Booster.predict does, also when
// it was saved with early stopping (see WithIterationRange for the rounds
// XGBClassifier.predict_proba uses).
//
// A Model is immutable and safe for concurrent use by many goroutines.
type Model struct {
	format        string
	version       [3]int
	objectiveName string
	booster       string
	obj           objective
	nfeat         int
	numClass      int
	nout          int
	normal        int
	base          []float32 // margin per output
	names, types  []string
	cats          CategoryCodes
	// gbtree and dart
	trees    []tree.Tree
	flat     *flat     // scoring copy for numerical, single-value trees
	group    []int32   // output of each tree; -1 for vector-leaf trees
	weights  []float32 // dart weight of each tree; nil for gbtree
	parallel int
	rounds   int
	indptr   []int32    // first tree of each round, when the file records it
	best     int        // best_iteration + 1 from the attributes, 0 if none
	ranged   bool       // a WithIterationRange copy of part of the rounds
	shap     *shapState // TreeSHAP explainers, prepared on first use
	// src is a copy of the bytes the model was read from (MarshalBinary).
	src []byte
	// gblinear: weight of feature f for output k at f*nout+k, the bias at
	// nfeat*nout+k.
	linear []float32
}

// Load reads a model from a file in any format XGBoost writes; see Read.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("xgboost: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return m, nil
}

// Read reads a model in any format XGBoost writes, sniffed from its first
// bytes: JSON (save_model("x.json"), the default from 1.0), UBJSON
// (save_model("x.ubj"), the default from 2.1) and the legacy binary format
// (save_model("x.model") before 3.1, with the magic "binf" since 1.0 and
// without it before). Damaged input, and unknown objectives, boosters,
// split types, feature types or format versions, are errors that name the
// field and the value found (wrapping ErrFormat, ErrUnsupported or
// ErrVersion); Read never guesses. So are values the model's float32
// cannot hold (a leaf of 1e300), non-finite leaves and weights, and hessian
// sums (TreeSHAP's covers) that are not positive. A model of zero rounds
// (num_boost_round=0) is valid and scores its base_score. Decoding
// allocates at most about 2.5 times the model's size beyond the copy
// MarshalBinary keeps: a file that would need more (empty trees by the
// million, numbers packed one byte each) is refused with ErrFormat before
// the memory is taken, so a model from an untrusted source cannot exhaust
// memory.
func Read(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxModelSize+1))
	if err != nil {
		return nil, fmt.Errorf("xgboost: %w", err)
	}
	if len(b) > MaxModelSize {
		return nil, fmt.Errorf("xgboost: model larger than %d bytes: %w", MaxModelSize, errs.ErrFormat)
	}
	return Parse(b)
}

// Parse decodes a model held in memory; see Read. It does not retain b.
// Decoding allocates at most a small multiple of len(b) (see Read): a
// model from an untrusted source fails fast.
func Parse(b []byte) (*Model, error) {
	m, err := parse(b)
	if err != nil {
		return nil, err
	}
	m.src = bytes.Clone(b)
	return m, nil
}

// MarshalBinary returns the bytes the model was read from, in XGBoost's
// own format (JSON, UBJSON or legacy binary, as read), so that a bundle can
// store the model exactly as XGBoost wrote it.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.ranged {
		return nil, unsupported("model restricted to an iteration range: XGBoost's formats cannot record it; save the whole model and call WithIterationRange after loading")
	}
	if m.src == nil {
		return nil, fmt.Errorf("xgboost: model: %w", errs.ErrNotFitted)
	}
	return bytes.Clone(m.src), nil
}

// UnmarshalBinary replaces m with the model in b, in any format Parse
// reads. It must not be called on a Model in use by other goroutines.
func (m *Model) UnmarshalBinary(b []byte) error {
	n, err := Parse(b)
	if err != nil {
		return err
	}
	*m = *n
	return nil
}

// sniff tells the formats apart: a UBJSON document starts with '{'
// followed by a length marker for the first key or '}' or a container
// option; JSON starts with optional whitespace and '{'.
func sniff(b []byte) string {
	t := bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		return "empty"
	case len(b) >= 4 && string(b[:4]) == "bs64":
		return "base64"
	case len(b) >= 4 && string(b[:4]) == legacyMagic:
		return "legacy"
	case len(t) > 0 && t[0] == '{' && len(t) == len(b) && len(b) > 1 && strings.IndexByte("iUIlL$#}N", b[1]) >= 0:
		return "ubjson"
	case len(t) > 0 && t[0] == '{':
		return "json"
	}
	return "legacy"
}

// NumFeatures returns the number of input features a row must have.
func (m *Model) NumFeatures() int { return m.nfeat }

// NumClass returns the number of classes of a multi-class model
// (multi:softprob, multi:softmax), and 0 for the others.
func (m *Model) NumClass() int {
	if m.obj.transform == transSoftprob || m.obj.transform == transSoftmax {
		return m.numClass
	}
	return 0
}

// NumOutputs returns the number of margins a row produces: the class count
// of a multi-class model, the target count of a multi-target model, else 1.
func (m *Model) NumOutputs() int { return m.nout }

// NumPredictions returns the length of Predict's output: 1 for
// multi:softmax (the class index), otherwise NumOutputs.
func (m *Model) NumPredictions() int {
	if m.obj.transform == transSoftmax {
		return 1
	}
	return m.nout
}

// Objective returns the objective's name, such as "binary:logistic".
func (m *Model) Objective() string { return m.objectiveName }

// Booster returns the booster's name: "gbtree", "dart" or "gblinear".
func (m *Model) Booster() string { return m.booster }

// Format returns the format the model was read from: "json", "ubjson",
// "legacy binary" or "legacy binary (pre-1.0)".
func (m *Model) Format() string { return m.format }

// Version returns the XGBoost version that wrote the model ([0 0 0] for
// pre-1.0 binaries, which do not record it).
func (m *Model) Version() [3]int { return m.version }

// NumTrees returns the number of trees (0 for gblinear).
func (m *Model) NumTrees() int { return len(m.trees) }

// Rounds returns the number of boosting rounds (iterations): the trees
// divided by trees per round (num_parallel_tree × outputs, or as
// iteration_indptr says).
func (m *Model) Rounds() int { return m.rounds }

// ParallelTrees returns num_parallel_tree: the trees grown per output in
// each round (more than 1 for boosted random forests and XGBRF models).
func (m *Model) ParallelTrees() int { return m.parallel }

// Trees returns the model's trees in the flat layout, in XGBoost's order,
// for explainers (TreeSHAP) and inspection. The slice and the trees are the
// model's own and must not be modified. Leaves hold the leaf values (the
// learning rate applied) and internal nodes XGBoost's base_weights; Cover
// is sum_hessian (nil for vector-leaf trees, which XGBoost saves without).
// A numerical node's Threshold is the float64 boundary that reproduces
// XGBoost's float32 test float32(x) < c exactly (see the package doc), not
// c itself; c is the smallest float32 not below Threshold.
func (m *Model) Trees() []tree.Tree { return m.trees }

// TreeOutput returns the output (class) that tree i adds to, or -1 for a
// vector-leaf tree, which adds to every output. i must be in
// [0, NumTrees()).
func (m *Model) TreeOutput(i int) int { return int(m.group[i]) }

// TreeWeight returns the weight of tree i, in [0, NumTrees()): dart's
// weight_drop, 1 for gbtree.
func (m *Model) TreeWeight(i int) float64 {
	if m.weights == nil {
		return 1
	}
	return float64(m.weights[i])
}

// BaseMargin returns the margin that output k (in [0, NumOutputs())) starts
// from: base_score after the objective's link (logit for logistic objectives, log for
// poisson, gamma, tweedie, cox and aft, identity otherwise).
func (m *Model) BaseMargin(k int) float64 { return float64(m.base[k]) }

// FeatureNames returns the feature names the model was trained with, or
// nil if it carries none (legacy binaries never do). The slice is a copy.
func (m *Model) FeatureNames() []string { return append([]string(nil), m.names...) }

// FeatureTypes returns XGBoost's feature types ("float", "int", "i", "q",
// or "c" for categorical), or nil if the model carries none.
func (m *Model) FeatureTypes() []string { return append([]string(nil), m.types...) }

// NormalClass returns the index of the class that Score treats as normal
// (0 unless set with WithNormalClass).
func (m *Model) NormalClass() int { return m.normal }

// WithNormalClass returns a copy of the model whose Score, for a
// multi-class model, is 1 − P(class k). The copy shares the trees.
func (m *Model) WithNormalClass(k int) (*Model, error) {
	if m.NumClass() == 0 {
		return nil, unsupported("normal class for objective %s, which is not multi-class", m.objectiveName)
	}
	if k < 0 || k >= m.numClass {
		return nil, fmt.Errorf("xgboost: normal class %d outside [0, %d): %w", k, m.numClass, errs.ErrDimension)
	}
	c := *m
	c.normal = k
	return &c, nil
}

// MismatchError reports feature names that differ between a model and the
// feature pipeline that feeds it. It wraps ErrDimension.
type MismatchError struct {
	// Positions lists the column indices whose names differ.
	Positions []int
	// Model and Pipeline hold the two names at each of those positions.
	Model, Pipeline []string
}

// Error lists the differing columns, at most ten of them.
func (e *MismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "xgboost: %d feature names differ from the model's:", len(e.Positions))
	for i, p := range e.Positions {
		if i == 10 {
			fmt.Fprintf(&b, " … and %d more", len(e.Positions)-10)
			break
		}
		fmt.Fprintf(&b, " column %d: model %q, pipeline %q;", p, e.Model[i], e.Pipeline[i])
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap returns ErrDimension.
func (e *MismatchError) Unwrap() error { return errs.ErrDimension }

// CheckFeatureNames checks the names of the columns a pipeline produces
// against the model's. A different count is an error wrapping ErrDimension;
// differing names are a *MismatchError listing every position. A model
// without names is checked on the count only.
func (m *Model) CheckFeatureNames(names []string) error {
	if len(names) != m.nfeat {
		return fmt.Errorf("xgboost: pipeline gives %d features, model takes %d: %w", len(names), m.nfeat, errs.ErrDimension)
	}
	if m.names == nil {
		return nil
	}
	var e MismatchError
	for i, n := range names {
		if n != m.names[i] {
			e.Positions = append(e.Positions, i)
			e.Model = append(e.Model, m.names[i])
			e.Pipeline = append(e.Pipeline, n)
		}
	}
	if e.Positions != nil {
		return &e
	}
	return nil
}

func (m *Model) checkRow(x []float64) error {
	if len(x) != m.nfeat {
		return fmt.Errorf("xgboost: row has %d values, model takes %d: %w", len(x), m.nfeat, errs.ErrDimension)
	}
	return nil
}

// margins accumulates the margins of x into acc (length nout) in float32,
// as XGBoost does: base margin, then each tree's leaf in order.
func (m *Model) margins(x []float64, acc []float32) {
	copy(acc, m.base)
	if m.linear != nil {
		m.linearMargins(x, acc)
		return
	}
	trees := m.trees
	if f := m.flat; f != nil {
		switch {
		case m.nout == 1 && m.weights == nil:
			// The common case: one output, gbtree.
			acc[0] = f.add(acc[0], x)
		case m.weights == nil:
			for i, r := range f.roots {
				acc[m.group[i]] += f.leaf(r, x)
			}
		default:
			for i, r := range f.roots {
				acc[m.group[i]] += f.leaf(r, x) * m.weights[i]
			}
		}
		return
	}
	for i := range trees {
		t := &trees[i]
		leaf := t.Leaf(x)
		if g := m.group[i]; g >= 0 {
			v := float32(t.Values[leaf])
			if m.weights != nil {
				v *= m.weights[i]
			}
			acc[g] += v
			continue
		}
		vals := t.Value(leaf)
		for k, v := range vals {
			f := float32(v)
			if m.weights != nil {
				f *= m.weights[i]
			}
			acc[k] += f
		}
	}
}

// linearMargins is gblinear's prediction: bias plus the weighted sum of the
// features, a missing (NaN) feature contributing nothing, in float32.
func (m *Model) linearMargins(x []float64, acc []float32) {
	k := m.nout
	for g := range k {
		s := m.linear[m.nfeat*k+g]
		for f, v := range x {
			if v != v {
				continue
			}
			s += float32(v) * m.linear[f*k+g]
		}
		acc[g] += s
	}
}

// stackOutputs is the number of outputs scored without a heap buffer.
const stackOutputs = 32

var accPool = sync.Pool{New: func() any { return new([]float32) }}

// getAcc returns a float32 buffer of nout values: buf's when small
// enough, else one from a pool, to be returned with putAcc.
func (m *Model) getAcc(buf *[stackOutputs]float32) ([]float32, *[]float32) {
	if m.nout <= stackOutputs {
		return buf[:m.nout], nil
	}
	p := accPool.Get().(*[]float32)
	if cap(*p) < m.nout {
		*p = make([]float32, m.nout)
	}
	return (*p)[:m.nout], p
}

func putAcc(p *[]float32) {
	if p != nil {
		accPool.Put(p)
	}
}

// Margin writes the raw margins of row x into dst, which must have length
// NumOutputs: XGBoost's predict(output_margin=True). A NaN in x is a
// missing value, as in XGBoost. It does not allocate.
func (m *Model) Margin(x, dst []float64) error {
	if err := m.checkRow(x); err != nil {
		return err
	}
	if len(dst) != m.nout {
		return fmt.Errorf("xgboost: margin buffer has %d values, model has %d outputs: %w", len(dst), m.nout, errs.ErrDimension)
	}
	if m.nout == 1 {
		var a [1]float32
		m.margins(x, a[:])
		dst[0] = float64(a[0])
		return nil
	}
	var buf [stackOutputs]float32
	acc, p := m.getAcc(&buf)
	m.margins(x, acc)
	for k, v := range acc {
		dst[k] = float64(v)
	}
	putAcc(p)
	return nil
}

// predictAcc turns margins into predictions in place (softmax keeps its
// probabilities; the caller takes the argmax).
func (m *Model) predictAcc(acc []float32) {
	switch m.obj.transform {
	case transSigmoid:
		for k, v := range acc {
			acc[k] = sigmoid(v)
		}
	case transExp:
		for k, v := range acc {
			acc[k] = expf(v)
		}
	case transHinge:
		for k, v := range acc {
			if v > 0 {
				acc[k] = 1
			} else {
				acc[k] = 0
			}
		}
	case transSoftprob, transSoftmax:
		softmax(acc)
	}
}

// softmax is XGBoost's common::Softmax: float32 exponentials, a float64
// sum.
func softmax(a []float32) {
	w := a[0]
	for _, v := range a[1:] {
		w = max(w, v)
	}
	var s float64
	for k, v := range a {
		a[k] = expf(v - w)
		s += float64(a[k])
	}
	for k := range a {
		a[k] /= float32(s)
	}
}

// argmax is XGBoost's FindMaxIndex: the first largest value.
func argmax(a []float32) int {
	best := 0
	for k, v := range a {
		if v > a[best] {
			best = k
		}
	}
	return best
}

// Predict writes XGBoost's predict() for row x into dst, of length
// NumPredictions: probabilities for logistic objectives and
// multi:softprob, the class index for multi:softmax, exp(margin) for
// poisson, gamma, tweedie, cox and aft, 0 or 1 for binary:hinge, and the
// margin for the others. It does not allocate.
func (m *Model) Predict(x, dst []float64) error {
	if err := m.checkRow(x); err != nil {
		return err
	}
	if len(dst) != m.NumPredictions() {
		return fmt.Errorf("xgboost: prediction buffer has %d values, want %d: %w", len(dst), m.NumPredictions(), errs.ErrDimension)
	}
	var buf [stackOutputs]float32
	acc, p := m.getAcc(&buf)
	m.margins(x, acc)
	if m.obj.transform == transSoftmax {
		dst[0] = float64(argmax(acc))
	} else {
		m.predictAcc(acc)
		for k, v := range acc {
			dst[k] = float64(v)
		}
	}
	putAcc(p)
	return nil
}

// PredictProba writes class probabilities for row x into dst: NumClass
// values for a multi-class model (multi:softprob or multi:softmax), or two
// values [1−p, p] for a binary logistic one (binary:logistic, reg:logistic,
// and binary:logitraw through the sigmoid). Other objectives have no
// probabilities: ErrUnsupported. It does not allocate.
func (m *Model) PredictProba(x, dst []float64) error {
	if err := m.checkRow(x); err != nil {
		return err
	}
	nc := m.NumClass()
	binary := m.nout == 1 && (m.obj.transform == transSigmoid || m.obj.probScore)
	switch {
	case nc > 0:
	case binary:
		nc = 2
	default:
		return unsupported("class probabilities of objective %s", m.objectiveName)
	}
	if len(dst) != nc {
		return fmt.Errorf("xgboost: probability buffer has %d values, want %d: %w", len(dst), nc, errs.ErrDimension)
	}
	if binary {
		var a [1]float32
		m.margins(x, a[:])
		p := sigmoid(a[0])
		dst[0], dst[1] = float64(1-p), float64(p)
		return nil
	}
	var buf [stackOutputs]float32
	acc, p := m.getAcc(&buf)
	m.margins(x, acc)
	softmax(acc)
	for k, v := range acc {
		dst[k] = float64(v)
	}
	putAcc(p)
	return nil
}

// Score returns how attack-like row x is, so that a Model is an
// anomaly.Detector: for binary:logistic and reg:logistic the probability of
// the positive (attack) class; for binary:logitraw the sigmoid of the
// margin; for multi-class models 1 − P(normal class) (class 0 unless set
// with WithNormalClass); for single-output regression, ranking, hinge and
// survival objectives the prediction itself (Predict's one value), whose
// range is the objective's. A multi-target model has no single score
// (ErrUnsupported). Score does not allocate.
func (m *Model) Score(x []float64) (float64, error) {
	if err := m.checkRow(x); err != nil {
		return 0, err
	}
	switch {
	case m.NumClass() > 0:
		var buf [stackOutputs]float32
		acc, p := m.getAcc(&buf)
		m.margins(x, acc)
		softmax(acc)
		s := 1 - acc[m.normal]
		putAcc(p)
		return float64(s), nil
	case m.nout > 1:
		return 0, unsupported("score of a model with %d targets: use Predict", m.nout)
	}
	var a [1]float32
	m.margins(x, a[:])
	if m.obj.probScore {
		return float64(sigmoid(a[0])), nil
	}
	m.predictAcc(a[:])
	return float64(a[0]), nil
}

// rows gives row access to a matrix, without copying a *mat.Dense.
func rows(X mat.Matrix) (n, c int, row func(i int, buf []float64) []float64) {
	n, c = X.Dims()
	if rm, ok := X.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		return n, c, func(i int, _ []float64) []float64 {
			return raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		}
	}
	return n, c, func(i int, buf []float64) []float64 {
		return mat.Row(buf, i, X)
	}
}

// batch runs f over the rows of X on workers goroutines (GOMAXPROCS when
// workers <= 0), in contiguous blocks; results are the same for any number
// of workers.
func (m *Model) batch(ctx context.Context, X mat.Matrix, workers int, f func(i int, x []float64) error) error {
	n, c, row := rows(X)
	if c != m.nfeat {
		return fmt.Errorf("xgboost: matrix has %d columns, model takes %d: %w", c, m.nfeat, errs.ErrDimension)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const block = 256
	nblocks := (n + block - 1) / block
	workers = max(1, min(workers, nblocks))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int, nblocks)
	)
	for b := range nblocks {
		next <- b
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float64, c)
			for b := range next {
				if err := ctx.Err(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				for i := b * block; i < min(n, (b+1)*block); i++ {
					if err := f(i, row(i, buf)); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("xgboost: row %d: %w", i, err)
						}
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// ScoreBatch writes Score of every row of X into dst (length rows), on
// workers goroutines (GOMAXPROCS when workers <= 0), with Score's results
// bit for bit. A model of shallow numerical trees (depth up to 8, one value
// a leaf, up to 256 features) scores its rows without a missing value in
// blocks of 64, converted once to float32 columns: on a CPU with AVX-512
// by QuickScorer's bit vectors (Lucchese et al., SIGIR 2015), 16 rows a
// register, a compare and a masked AND per split, for trees of up to 64
// leaves; rows of a dense matrix (a mat.RawMatrixer such as *mat.Dense) are
// then converted 16 at a time in registers. Elsewhere the block walks the
// trees padded to complete ones, eight rows in lock step. Other rows, and
// other models, are scored row by row. A batch allocates nothing per row.
func (m *Model) ScoreBatch(ctx context.Context, X mat.Matrix, dst []float64, workers int) error {
	if n, _ := X.Dims(); len(dst) != n {
		return fmt.Errorf("xgboost: score buffer has %d values for %d rows: %w", len(dst), n, errs.ErrDimension)
	}
	if ok, err := m.scoreBatchLevels(ctx, X, dst, workers); ok {
		return err
	}
	return m.batch(ctx, X, workers, func(i int, x []float64) error {
		s, err := m.Score(x)
		dst[i] = s
		return err
	})
}

// ScoreMatrix is ScoreBatch on GOMAXPROCS workers. With it, a Model
// satisfies anomaly.BatchScorer, so anomaly.ScoreBatch and the bundle score
// a matrix through the batch path instead of row by row.
func (m *Model) ScoreMatrix(ctx context.Context, X mat.Matrix, dst []float64) error {
	return m.ScoreBatch(ctx, X, dst, 0)
}

// PredictBatch writes Predict of every row of X into dst, row after row
// (length rows × NumPredictions), on workers goroutines (GOMAXPROCS when
// workers <= 0). Where Predict's one value is Score's (one output and no
// classes, binary:logistic and reg:logistic among them, but not
// binary:logitraw, whose score is the sigmoid of the prediction), it takes
// ScoreBatch's block paths, with the same results bit for bit.
func (m *Model) PredictBatch(ctx context.Context, X mat.Matrix, dst []float64, workers int) error {
	k := m.NumPredictions()
	if n, _ := X.Dims(); len(dst) != n*k {
		return fmt.Errorf("xgboost: prediction buffer has %d values for %d rows × %d: %w", len(dst), n, k, errs.ErrDimension)
	}
	if m.predictIsScore() {
		return m.ScoreBatch(ctx, X, dst, workers)
	}
	return m.batch(ctx, X, workers, func(i int, x []float64) error {
		return m.Predict(x, dst[i*k:(i+1)*k])
	})
}

// predictIsScore reports whether Predict's one value is Score's for every
// row: one output, no classes, and a score that is the prediction itself.
func (m *Model) predictIsScore() bool {
	return m.nout == 1 && m.NumClass() == 0 && !m.obj.probScore
}

// MarginBatch writes Margin of every row of X into dst, row after row
// (length rows × NumOutputs), on workers goroutines (GOMAXPROCS when
// workers <= 0).
func (m *Model) MarginBatch(ctx context.Context, X mat.Matrix, dst []float64, workers int) error {
	k := m.nout
	if n, _ := X.Dims(); len(dst) != n*k {
		return fmt.Errorf("xgboost: margin buffer has %d values for %d rows × %d: %w", len(dst), n, k, errs.ErrDimension)
	}
	return m.batch(ctx, X, workers, func(i int, x []float64) error {
		return m.Margin(x, dst[i*k:(i+1)*k])
	})
}
