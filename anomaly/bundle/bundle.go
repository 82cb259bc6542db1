package bundle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
)

// Kind is the kind of model a bundle holds: a fixed list, each decoded by
// its own package's decoder.
type Kind uint8

const (
	// IsolationForest is an *iforest.Forest.
	IsolationForest Kind = iota + 1
	// RandomForest is a *forest.Forest.
	RandomForest
	// XGBoost is a *bundle.XGBoostModel (an xgboost.Model with its source
	// bytes).
	XGBoost
	// Hybrid is an *anomaly.Hybrid whose parts are of the kinds above.
	Hybrid
)

var kindNames = [...]string{"", "isolation_forest", "random_forest", "xgboost", "hybrid"}

// String returns "isolation_forest", "random_forest", "xgboost" or "hybrid".
func (k Kind) String() string {
	if k >= IsolationForest && k <= Hybrid {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// kindOf returns the kind of d, or an error wrapping ErrUnsupported.
func kindOf(d anomaly.Detector, top bool) (Kind, error) {
	switch m := d.(type) {
	case *iforest.Forest:
		if m != nil {
			return IsolationForest, nil
		}
	case *forest.Forest:
		if m != nil {
			return RandomForest, nil
		}
	case *XGBoostModel:
		if m != nil && m.Model != nil {
			return XGBoost, nil
		}
	case *anomaly.Hybrid:
		if m == nil {
			break
		}
		if !top {
			return 0, fmt.Errorf("bundle: a hybrid inside a hybrid: %w", anomaly.ErrUnsupported)
		}
		for _, p := range []anomaly.Detector{m.Classifier(), m.Novelty()} {
			if _, err := kindOf(p, false); err != nil {
				return 0, err
			}
		}
		return Hybrid, nil
	case nil:
	default:
		return 0, fmt.Errorf("bundle: cannot save a detector of type %T (an *iforest.Forest, *forest.Forest, *bundle.XGBoostModel or *anomaly.Hybrid of them): %w", d, anomaly.ErrUnsupported)
	}
	return 0, fmt.Errorf("bundle: nil detector: %w", anomaly.ErrNotFitted)
}

// Metadata describes a bundle for the people who deploy and audit it. New
// fills Schema, Features, Model, Library, GoVersion and Created; the caller
// gives the rest.
type Metadata struct {
	// Name is a short name for the detector.
	Name string `json:"name,omitempty"`
	// Training describes the training data (file, period, filters…).
	Training string `json:"training,omitempty"`
	// TrainingRows is the number of training rows.
	TrainingRows int `json:"training_rows,omitempty"`
	// Metrics are the figures measured at training time (ROC AUC on a
	// validation set, false-alarm rate at the threshold, …); they must be
	// finite.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Notes is free text.
	Notes string `json:"notes,omitempty"`

	// Schema is the raw schema the pipeline was fitted on (set by New).
	Schema []dataset.Column `json:"schema"`
	// Features are the pipeline's output names (set by New).
	Features []string `json:"features"`
	// Model is the model kind (set by New).
	Model string `json:"model"`
	// Library is the netwarden module version that wrote the bundle (set by
	// New; "(devel)" when built from a working tree).
	Library string `json:"library"`
	// GoVersion is the Go version that wrote the bundle (set by New).
	GoVersion string `json:"go_version"`
	// Created is the creation time, UTC (set by New when zero).
	Created time.Time `json:"created"`
}

func (m Metadata) clone() Metadata {
	m.Metrics = maps.Clone(m.Metrics)
	m.Schema = slices.Clone(m.Schema)
	m.Features = slices.Clone(m.Features)
	return m
}

// libraryVersion returns the netwarden module's version from the build
// information, or "(devel)".
func libraryVersion() string {
	const path = "github.com/netwarden/netwarden"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Path == path && bi.Main.Version != "" {
			return bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "(devel)"
}

// Bundle is a fitted pipeline, a detector and its threshold, with metadata:
// everything needed to score raw records, in one value that saves to one
// file. A Bundle is read-only and safe for concurrent use (except SetKey).
type Bundle struct {
	pipeline  *features.Pipeline
	detector  anomaly.Detector
	threshold anomaly.Threshold
	meta      Metadata
	kind      Kind

	sources  []string  // the raw columns outputs come from, schema order
	srcIdx   []int32   // flattened source indices
	srcW     []float64 // and their weights (1 / number of sources)
	srcStart []int32   // per output, start in srcIdx; len = outputs+1
	scratch  *sync.Pool
	rows     *sync.Pool // of *rowsScratch, for ScoreRows

	unseenOne   [][]string     // by schema column: the one-name Result.Unseen
	unseenCount []atomic.Int64 // by schema column: records with an unseen value
}

type scratch struct {
	x, contrib, bySource []float64
	unseen               []int
}

// New assembles a bundle from a fitted pipeline, a detector taking the
// pipeline's outputs, the threshold at which a score is an attack
// (anomaly.Threshold semantics: score >= t), and metadata. The detector must
// be an *iforest.Forest, a *forest.Forest, an *XGBoostModel, or an
// *anomaly.Hybrid of them (an error wrapping ErrUnsupported otherwise); its
// NumFeatures must be the pipeline's (ErrDimension), and an XGBoost model
// that names its features must name them as the pipeline does. A NaN
// threshold or metric is an error wrapping ErrNaN.
func New(p *features.Pipeline, d anomaly.Detector, t anomaly.Threshold, meta Metadata) (*Bundle, error) {
	if p == nil || p.NumFeatures() == 0 {
		return nil, fmt.Errorf("bundle: no fitted pipeline: %w", anomaly.ErrNotFitted)
	}
	k, err := kindOf(d, true)
	if err != nil {
		return nil, err
	}
	if d.NumFeatures() != p.NumFeatures() {
		return nil, fmt.Errorf("bundle: the %s takes %d features, the pipeline gives %d: %w", k, d.NumFeatures(), p.NumFeatures(), anomaly.ErrDimension)
	}
	if err := checkNames(d, p.Names()); err != nil {
		return nil, err
	}
	if math.IsNaN(float64(t)) {
		return nil, fmt.Errorf("bundle: NaN threshold: %w", anomaly.ErrNaN)
	}
	for name, v := range meta.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("bundle: metric %q is %v: %w", name, v, anomaly.ErrNaN)
		}
	}
	meta = meta.clone()
	s := p.Schema()
	meta.Schema = s.Columns
	meta.Features = slices.Clone(p.Names())
	meta.Model = k.String()
	meta.Library = libraryVersion()
	meta.GoVersion = runtime.Version()
	if meta.Created.IsZero() {
		meta.Created = time.Now().UTC().Truncate(time.Second)
	}
	return assemble(p, d, t, meta, k), nil
}

func checkNames(d anomaly.Detector, names []string) error {
	parts := []anomaly.Detector{d}
	if h, ok := d.(*anomaly.Hybrid); ok {
		parts = []anomaly.Detector{h.Classifier(), h.Novelty()}
	}
	for _, part := range parts {
		if x, ok := part.(*XGBoostModel); ok && len(x.FeatureNames()) > 0 {
			if err := x.CheckFeatureNames(names); err != nil {
				return fmt.Errorf("bundle: the XGBoost model's features are not the pipeline's: %w", err)
			}
		}
	}
	return nil
}

// assemble builds the bundle and its source map.
func assemble(p *features.Pipeline, d anomaly.Detector, t anomaly.Threshold, meta Metadata, k Kind) *Bundle {
	b := &Bundle{pipeline: p, detector: d, threshold: t, meta: meta, kind: k}
	index := map[string]int32{}
	for _, c := range p.Schema().Columns {
		index[c.Name] = int32(len(b.sources))
		b.sources = append(b.sources, c.Name)
	}
	for i := range p.NumFeatures() {
		b.srcStart = append(b.srcStart, int32(len(b.srcIdx)))
		src := p.Sources(i)
		for _, s := range src {
			b.srcIdx = append(b.srcIdx, index[s])
			b.srcW = append(b.srcW, 1/float64(len(src)))
		}
	}
	b.srcStart = append(b.srcStart, int32(len(b.srcIdx)))
	n, ns := p.NumFeatures(), len(b.sources)
	b.scratch = &sync.Pool{New: func() any {
		return &scratch{x: make([]float64, n), contrib: make([]float64, n), bySource: make([]float64, ns),
			unseen: make([]int, 0, ns)}
	}}
	b.rows = &sync.Pool{New: func() any { return new(rowsScratch) }}
	b.unseenOne = make([][]string, ns)
	for j, name := range b.sources {
		b.unseenOne[j] = []string{name}
	}
	b.unseenCount = make([]atomic.Int64, ns)
	return b
}

// Pipeline returns the bundle's feature pipeline.
func (b *Bundle) Pipeline() *features.Pipeline { return b.pipeline }

// Detector returns the bundle's model.
func (b *Bundle) Detector() anomaly.Detector { return b.detector }

// Kind returns the kind of the bundle's model.
func (b *Bundle) Kind() Kind { return b.kind }

// Threshold returns the decision threshold: a score >= it is an attack.
func (b *Bundle) Threshold() anomaly.Threshold { return b.threshold }

// Metadata returns the bundle's metadata (a copy).
func (b *Bundle) Metadata() Metadata { return b.meta.clone() }

// SetKey gives the pipeline its pseudonymisation key after Load (see
// features.Pseudonymize: keys are never saved). Call it before the bundle
// is shared.
func (b *Bundle) SetKey(key []byte) error { return b.pipeline.SetKey(key) }

// Contribution is one raw column's share in a score: the sum of the
// contributions of the pipeline outputs computed from it (an output of
// several columns, such as a ratio, is shared equally between them),
// oriented so that a positive value pushes towards "attack".
type Contribution struct {
	Column string  `json:"column"`
	Value  float64 `json:"value"`
}

// Result is the verdict on one raw record.
type Result struct {
	// Score is the detector's score (higher is more attack-like).
	Score float64 `json:"score"`
	// Attack is Score >= the bundle's threshold.
	Attack bool `json:"attack"`
	// Unseen names the raw categorical columns whose value training never
	// saw (a service "HTTP" where training saw "http"), in the pipeline's
	// step order; nil when there is none. Such a record is scored as the
	// pipeline encodes an unseen value (all zeros for a OneHot column by
	// default, a missing value for a Codes column), which can move its
	// score: count these to see drift (Bundle.UnseenCounts does). A
	// one-column slice is shared by every result naming that column: do
	// not modify it.
	Unseen []string `json:"unseen,omitempty"`
	// TopFeatures are the raw columns with the largest contributions in
	// magnitude, largest first, each signed: positive pushed the score
	// towards "attack", negative towards "normal", whatever the model. It
	// is filled by the Explain methods when the model can explain itself,
	// and nil otherwise; Explained says which model the values explain and
	// in which unit.
	TopFeatures []Contribution `json:"top_features,omitempty"`
	// Explained says what TopFeatures explain; it is the zero value when
	// TopFeatures is nil.
	Explained Explained `json:"explained,omitzero"`
}

// Explained says which model an explanation explains and in which unit its
// contributions are. Every explanation of a bundle is signed alike
// (positive pushes towards "attack") and given per raw column, whatever the
// model; the unit differs by model, so contributions of two models are not
// comparable.
type Explained struct {
	// Model is the kind of the model whose output the contributions sum
	// to: "isolation_forest", "random_forest" or "xgboost" (for a hybrid,
	// the kind of the part explained).
	Model string `json:"model"`
	// Part is, for a hybrid, the part explained: "classifier" (the
	// supervised model of known attacks) or "novelty" (the detector trained
	// on benign traffic), the part whose rescaled score is the hybrid's
	// (anomaly.HybridScore.Dominant). It is "" for other models.
	Part string `json:"part,omitempty"`
	// Unit is the unit of the contributions: UnitProbability,
	// UnitLogOdds or UnitPathLength.
	Unit string `json:"unit"`
}

// The units of Explained.Unit.
const (
	// UnitProbability is the Random Forest's: contributions sum, with the
	// base value, to the probability of attack.
	UnitProbability = "probability of attack"
	// UnitLogOdds is XGBoost's: contributions sum, with the bias, to the
	// margin, the log-odds of attack (for a multi-class model, minus the
	// normal class's margin).
	UnitLogOdds = "log-odds of attack"
	// UnitPathLength is the Isolation Forest's: contributions to the
	// expected path length (in edges, averaged over the trees), negated so
	// that a positive value shortened the path, which makes the record
	// more anomalous.
	UnitPathLength = "path length (edges), negated"
)

// explainedOf describes the explanation of model d, a part of a hybrid when
// part is not "".
func explainedOf(d anomaly.Detector, part string) Explained {
	e := Explained{Part: part}
	switch d.(type) {
	case *iforest.Forest:
		e.Model, e.Unit = IsolationForest.String(), UnitPathLength
	case *forest.Forest:
		e.Model, e.Unit = RandomForest.String(), UnitProbability
	case *XGBoostModel:
		e.Model, e.Unit = XGBoost.String(), UnitLogOdds
	}
	return e
}

// UnseenCounts returns, for each raw categorical column that held a value
// not seen in training in some record scored or explained so far, the
// number of such records. It is safe for concurrent use with scoring; the
// counters are the only state of a bundle that changes.
func (b *Bundle) UnseenCounts() map[string]int64 {
	out := map[string]int64{}
	for j := range b.unseenCount {
		if n := b.unseenCount[j].Load(); n > 0 {
			out[b.sources[j]] = n
		}
	}
	return out
}

// transform fills s.x from a row or a record and notes unseen categories.
func (b *Bundle) transform(s *scratch, r *dataset.Row, rec map[string]string, isRow bool) error {
	return b.transformCount(s, r, rec, isRow, true)
}

// transformCount is transform that adds the unseen categories to
// UnseenCounts only when count is set.
func (b *Bundle) transformCount(s *scratch, r *dataset.Row, rec map[string]string, isRow, count bool) error {
	var err error
	if isRow {
		if r == nil {
			return fmt.Errorf("bundle: nil row: %w", anomaly.ErrDimension)
		}
		s.unseen, err = b.pipeline.TransformRowUnseen(r, s.x, s.unseen)
	} else {
		s.unseen, err = b.pipeline.TransformRecordUnseen(rec, s.x, s.unseen)
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if count {
		for _, j := range s.unseen {
			b.unseenCount[j].Add(1)
		}
	}
	return nil
}

// unseenNamesOf returns Result.Unseen for the schema columns in unseen.
func (b *Bundle) unseenNamesOf(unseen []int) []string {
	switch len(unseen) {
	case 0:
		return nil
	case 1:
		return b.unseenOne[unseen[0]]
	}
	out := make([]string, len(unseen))
	for i, j := range unseen {
		out[i] = b.sources[j]
	}
	return out
}

// ScoreRow scores the raw row r (of the pipeline's schema) and decides,
// naming in Result.Unseen the categorical columns that held a value not
// seen in training. It allocates nothing (unless two or more columns hold
// unseen values). A nil row is an error wrapping ErrDimension; other
// errors are the pipeline's (naming the column) and the detector's.
func (b *Bundle) ScoreRow(r *dataset.Row) (Result, error) {
	s := b.scratch.Get().(*scratch)
	defer b.scratch.Put(s)
	if err := b.transform(s, r, nil, true); err != nil {
		return Result{}, err
	}
	return b.score(s)
}

// ScoreRecord scores the raw record rec (column name → value as text) and
// decides, as ScoreRow does. Keys and values are read as the CSV loader
// read the training file (see features.Pipeline.TransformRecord and
// Policy): the keys of the file's own header (" Destination Port") and
// its values (" 12", "Infinity" under an Inf policy of Replace, a missing
// token) score as they loaded. It allocates nothing (unless two or more
// columns hold unseen values).
func (b *Bundle) ScoreRecord(rec map[string]string) (Result, error) {
	s := b.scratch.Get().(*scratch)
	defer b.scratch.Put(s)
	if err := b.transform(s, nil, rec, false); err != nil {
		return Result{}, err
	}
	return b.score(s)
}

// Policy returns the record-parsing policy ScoreRecord reads text with:
// the pipeline's (features.Pipeline.Policy), saved in the bundle. A
// service reading CSV lines gives it to its loader (dataset.CSVConfig's
// Missing, NaN, Inf and MissingTokens) so that lines parse as in training.
func (b *Bundle) Policy() dataset.RecordPolicy { return b.pipeline.Policy() }

func (b *Bundle) score(s *scratch) (Result, error) {
	v, err := b.detector.Score(s.x)
	if err != nil {
		return Result{}, fmt.Errorf("bundle: %w", err)
	}
	return Result{Score: v, Attack: b.threshold.Decide(v), Unseen: b.unseenNamesOf(s.unseen)}, nil
}

// ExplainRow is ScoreRow that also fills Result.TopFeatures with at most k
// raw columns, largest contribution in magnitude first (k <= 0: every
// column with a non-zero contribution), when the model can
// explain its score: a model implementing anomaly.Explainer (every model
// a bundle holds: exact TreeSHAP), or a Hybrid through its dominant part.
// Every explanation is signed alike, whatever the model: a positive value
// pushes towards "attack" (an Isolation Forest's contributions, of the
// path length, are negated for this; the models' own Explain methods keep
// their documented conventions). Result.Explained names the model (and for
// a hybrid the part) explained and the unit of the values. When the model
// cannot explain (an extended Isolation Forest, say), TopFeatures is nil
// and the result is ScoreRow's. A nil row is an error wrapping
// ErrDimension. It allocates the TopFeatures slice only, and ExplainRowTo
// not even that.
func (b *Bundle) ExplainRow(r *dataset.Row, k int) (Result, error) {
	return b.ExplainRowTo(r, k, nil)
}

// ExplainRecord is ExplainRow for a record given as column name → text.
func (b *Bundle) ExplainRecord(rec map[string]string, k int) (Result, error) {
	return b.ExplainRecordTo(rec, k, nil)
}

// ExplainRowTo is ExplainRow that builds Result.TopFeatures in dst's
// storage (dst[:0], grown only when too small), as append does: a caller
// that hands back the TopFeatures of its previous result allocates nothing.
func (b *Bundle) ExplainRowTo(r *dataset.Row, k int, dst []Contribution) (Result, error) {
	s := b.scratch.Get().(*scratch)
	defer b.scratch.Put(s)
	if err := b.transform(s, r, nil, true); err != nil {
		return Result{}, err
	}
	return b.explain(s, k, dst)
}

// ExplainScoredRowTo is ExplainRowTo for a row that ScoreRow has already
// scored: it does not add the row's unseen categories to UnseenCounts a
// second time. A service that scores every record and explains only its
// alerts (examples/stream does) calls ScoreRow, then this for the alerts,
// and each record counts once.
func (b *Bundle) ExplainScoredRowTo(r *dataset.Row, k int, dst []Contribution) (Result, error) {
	s := b.scratch.Get().(*scratch)
	defer b.scratch.Put(s)
	if err := b.transformCount(s, r, nil, true, false); err != nil {
		return Result{}, err
	}
	return b.explain(s, k, dst)
}

// ExplainRecordTo is ExplainRowTo for a record given as column name → text.
func (b *Bundle) ExplainRecordTo(rec map[string]string, k int, dst []Contribution) (Result, error) {
	s := b.scratch.Get().(*scratch)
	defer b.scratch.Put(s)
	if err := b.transform(s, nil, rec, false); err != nil {
		return Result{}, err
	}
	return b.explain(s, k, dst)
}

func (b *Bundle) explain(s *scratch, k int, dst []Contribution) (Result, error) {
	res, err := b.score(s)
	if err != nil {
		return res, err
	}
	d, part := b.detector, ""
	if h, ok := d.(*anomaly.Hybrid); ok {
		hs, err := h.Parts(s.x)
		if err != nil {
			return res, fmt.Errorf("bundle: %w", err)
		}
		d, part = h.Classifier(), "classifier"
		if hs.Dominant == anomaly.PartNovelty {
			d, part = h.Novelty(), "novelty"
		}
	}
	e, ok := d.(anomaly.Explainer)
	if !ok {
		return res, nil
	}
	_, err = e.Explain(s.x, s.contrib)
	sign := 1.0
	if _, ok := d.(*iforest.Forest); ok {
		sign = -1 // Isolation Forest explanations are of the path length: shorter is more anomalous
	}
	if errors.Is(err, anomaly.ErrNoExplanation) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("bundle: explain: %w", err)
	}
	clear(s.bySource)
	for i, c := range s.contrib {
		for j := b.srcStart[i]; j < b.srcStart[i+1]; j++ {
			s.bySource[b.srcIdx[j]] += sign * c * b.srcW[j]
		}
	}
	res.TopFeatures = top(dst[:0], b.sources, s.bySource, k)
	res.Explained = explainedOf(d, part)
	return res, nil
}

// top appends to out (empty) the k values of v largest in magnitude, with
// their names and signs, largest first (ties in column order); zero values
// are left out.
func top(out []Contribution, names []string, v []float64, k int) []Contribution {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	if k <= 0 || k > n {
		k = n
	}
	if out == nil || cap(out) < k {
		out = make([]Contribution, 0, k)
	}
	for i, x := range v {
		ax := math.Abs(x)
		if !(ax > 0) {
			continue
		}
		if len(out) == k && ax <= math.Abs(out[k-1].Value) {
			continue
		}
		pos, _ := slices.BinarySearchFunc(out, ax, func(a Contribution, ax float64) int {
			if math.Abs(a.Value) >= ax {
				return -1
			}
			return 1
		})
		if len(out) < k {
			out = append(out, Contribution{})
		}
		copy(out[pos+1:], out[pos:len(out)-1])
		out[pos] = Contribution{Column: names[i], Value: x}
	}
	return out
}

// ScoreTable scores every row of t (of the pipeline's schema): the pipeline
// transforms the table, then the detector scores the rows over all cores.
// It returns one score per row.
func (b *Bundle) ScoreTable(ctx context.Context, t *dataset.Table) ([]float64, error) {
	x, err := b.pipeline.TransformTable(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	dst := make([]float64, t.Len())
	if err := anomaly.ScoreBatch(ctx, b.detector, x, dst, 0); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return dst, nil
}
