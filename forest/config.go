package forest

import (
	"fmt"
	"math"
	"runtime"

	"github.com/netwarden/netwarden/internal/errs"
)

// Criterion is the impurity measure a split minimises.
type Criterion uint8

const (
	// Gini is the Gini impurity 1 − Σ p_k² (the default).
	Gini Criterion = iota
	// Entropy is the Shannon entropy −Σ p_k log₂ p_k (information gain).
	Entropy
)

// String returns "gini" or "entropy".
func (c Criterion) String() string {
	switch c {
	case Gini:
		return "gini"
	case Entropy:
		return "entropy"
	}
	return fmt.Sprintf("Criterion(%d)", uint8(c))
}

// Splitter selects how the best split of a node is searched for.
type Splitter uint8

const (
	// Exact tries every threshold between two consecutive distinct values
	// of the node's samples and finds the split scikit-learn's "best"
	// splitter finds, with the same threshold (the default: it reproduces
	// the reference).
	Exact Splitter = iota
	// Histogram bins every feature once into at most Config.MaxBins quantile
	// bins and scans per-node bin histograms instead of sorting; thresholds
	// are stored as real values between bin edges, so scoring reads raw
	// features. It needs no float64 copy of the training matrix (one byte per
	// value instead of eight) and is faster when nodes hold many samples.
	Histogram
)

// String returns "exact" or "histogram".
func (s Splitter) String() string {
	switch s {
	case Exact:
		return "exact"
	case Histogram:
		return "histogram"
	}
	return fmt.Sprintf("Splitter(%d)", uint8(s))
}

type featuresKind uint8

const (
	featuresSqrt featuresKind = iota
	featuresLog2
	featuresAll
	featuresCount
	featuresFraction
)

// MaxFeatures says how many features are drawn as split candidates at each
// node. Its zero value is SqrtFeatures.
type MaxFeatures struct {
	kind  featuresKind
	count int
	frac  float64
}

var (
	// SqrtFeatures draws max(1, ⌊√p⌋) of the p features (the default, as
	// scikit-learn's max_features="sqrt").
	SqrtFeatures = MaxFeatures{kind: featuresSqrt}
	// Log2Features draws max(1, ⌊log₂ p⌋) features.
	Log2Features = MaxFeatures{kind: featuresLog2}
	// AllFeatures considers every feature at every node (bagged trees).
	AllFeatures = MaxFeatures{kind: featuresAll}
)

// FeatureCount draws n features at each node (n ≥ 1; capped at p).
func FeatureCount(n int) MaxFeatures { return MaxFeatures{kind: featuresCount, count: n} }

// FeatureFraction draws max(1, ⌊f·p⌋) features at each node, 0 < f ≤ 1.
func FeatureFraction(f float64) MaxFeatures { return MaxFeatures{kind: featuresFraction, frac: f} }

// resolve returns the number of features to draw among p.
func (m MaxFeatures) resolve(p int) (int, error) {
	var k int
	switch m.kind {
	case featuresSqrt:
		k = int(math.Sqrt(float64(p)))
	case featuresLog2:
		k = int(math.Log2(float64(p)))
	case featuresAll:
		k = p
	case featuresCount:
		if m.count < 1 {
			return 0, fmt.Errorf("forest: max features count %d < 1: %w", m.count, errs.ErrUnsupported)
		}
		k = m.count
	case featuresFraction:
		if !(m.frac > 0 && m.frac <= 1) {
			return 0, fmt.Errorf("forest: max features fraction %v not in (0, 1]: %w", m.frac, errs.ErrUnsupported)
		}
		k = int(m.frac * float64(p))
	default:
		return 0, fmt.Errorf("forest: max features kind %d: %w", m.kind, errs.ErrUnsupported)
	}
	return max(1, min(k, p)), nil
}

// String describes m ("sqrt", "log2", "all", "count(5)", "fraction(0.3)").
func (m MaxFeatures) String() string {
	switch m.kind {
	case featuresSqrt:
		return "sqrt"
	case featuresLog2:
		return "log2"
	case featuresAll:
		return "all"
	case featuresCount:
		return fmt.Sprintf("count(%d)", m.count)
	case featuresFraction:
		return fmt.Sprintf("fraction(%g)", m.frac)
	}
	return "invalid"
}

type weightKind uint8

const (
	weightsUniform weightKind = iota
	weightsBalanced
	weightsBalancedSubsample
	weightsGiven
)

// ClassWeight weights the training samples by class. Its zero value gives
// every class weight 1.
type ClassWeight struct {
	kind weightKind
	w    []float64
}

var (
	// Balanced weights class k by n / (K · n_k) over the whole training set,
	// as scikit-learn's class_weight="balanced".
	Balanced = ClassWeight{kind: weightsBalanced}
	// BalancedSubsample computes the balanced weights on each tree's
	// bootstrap sample, as scikit-learn's class_weight="balanced_subsample".
	BalancedSubsample = ClassWeight{kind: weightsBalancedSubsample}
)

// ClassWeights gives class k weight w[k] (finite, ≥ 0); classes beyond
// len(w) get weight 1. The slice is copied.
func ClassWeights(w ...float64) ClassWeight {
	return ClassWeight{kind: weightsGiven, w: append([]float64(nil), w...)}
}

// Config holds the training parameters of Fit. Its zero value means the
// defaults of scikit-learn's RandomForestClassifier: 100 fully grown Gini
// trees on bootstrap samples with √p features per node.
type Config struct {
	// Trees is the number of trees (default 100).
	Trees int
	// Criterion is the split impurity (default Gini).
	Criterion Criterion
	// MaxFeatures is the number of features drawn at each node (default
	// SqrtFeatures).
	MaxFeatures MaxFeatures
	// MaxDepth limits the depth of the trees (default 0: unlimited, nodes
	// are split until pure or too small).
	MaxDepth int
	// MinSamplesSplit is the least number of distinct training samples a
	// node needs to be split (default 2).
	MinSamplesSplit int
	// MinSamplesLeaf is the least number of distinct training samples on
	// each side of a split (default 1).
	MinSamplesLeaf int
	// NoBootstrap trains every tree on the whole training set instead of a
	// bootstrap sample (default false: bootstrap). Out-of-bag scores need
	// bootstrapping.
	NoBootstrap bool
	// SampleFraction sets the bootstrap sample size to
	// max(1, round(SampleFraction · n)) draws with replacement, 0 <
	// SampleFraction ≤ 1 (default 0: n draws), as scikit-learn's max_samples.
	SampleFraction float64
	// ClassWeight weights samples by class (default: all 1).
	ClassWeight ClassWeight
	// Seed makes training reproducible: the same seed, data and Config give
	// the same forest, byte for byte, whatever Workers is.
	Seed uint64
	// Workers is the number of goroutines that build trees (default
	// runtime.GOMAXPROCS(0)).
	Workers int
	// Splitter selects the split search (default Exact).
	Splitter Splitter
	// MaxBins is the number of bins per feature of the Histogram splitter,
	// 2 to 256 (default 256).
	MaxBins int
	// OOB computes the out-of-bag accuracy after training (OOBScore); it
	// costs about one prediction of a third of the training set.
	OOB bool
	// NormalClass is the class Score treats as benign in a multi-class
	// forest: Score = 1 − P(NormalClass) (default 0, NSL-KDD's "normal").
	// A binary forest always scores P(class 1).
	NormalClass int
	// FeatureNames names the columns of X (for instance those produced by
	// package features); nil gives "f0", "f1", …. Its length must match the
	// number of columns.
	FeatureNames []string
	// Progress, when not nil, is called after each tree is built with the
	// number of trees done and the total. Calls are serialised but come from
	// the worker goroutines.
	Progress func(done, total int)
}

// settings are the resolved parameters.
type settings struct {
	trees, maxFeatures, maxDepth, minSplit, minLeaf, workers, maxBins int
	bootstrap                                                         bool
	nBoot                                                             int
	criterion                                                         Criterion
	splitter                                                          Splitter
}

func (c *Config) resolve(n, p int) (settings, error) {
	s := settings{
		trees: c.Trees, maxDepth: c.MaxDepth, minSplit: c.MinSamplesSplit, minLeaf: c.MinSamplesLeaf,
		workers: c.Workers, maxBins: c.MaxBins, bootstrap: !c.NoBootstrap, criterion: c.Criterion,
		splitter: c.Splitter,
	}
	bad := func(format string, a ...any) (settings, error) {
		return settings{}, fmt.Errorf("forest: "+format+": %w", append(a, errs.ErrUnsupported)...)
	}
	if s.trees == 0 {
		s.trees = 100
	}
	if s.trees < 0 {
		return bad("%d trees", s.trees)
	}
	if s.maxDepth < 0 {
		return bad("max depth %d", s.maxDepth)
	}
	if s.maxDepth == 0 {
		s.maxDepth = math.MaxInt32
	}
	if s.minSplit == 0 {
		s.minSplit = 2
	}
	if s.minSplit < 2 {
		return bad("min samples to split %d < 2", s.minSplit)
	}
	if s.minLeaf == 0 {
		s.minLeaf = 1
	}
	if s.minLeaf < 1 {
		return bad("min samples per leaf %d < 1", s.minLeaf)
	}
	if s.workers == 0 {
		s.workers = runtime.GOMAXPROCS(0)
	}
	if s.workers < 0 {
		return bad("%d workers", s.workers)
	}
	if s.maxBins == 0 {
		s.maxBins = 256
	}
	if s.maxBins < 2 || s.maxBins > 256 {
		return bad("max bins %d not in [2, 256]", s.maxBins)
	}
	if s.criterion > Entropy {
		return bad("criterion %d", s.criterion)
	}
	if s.splitter > Histogram {
		return bad("splitter %d", s.splitter)
	}
	var err error
	if s.maxFeatures, err = c.MaxFeatures.resolve(p); err != nil {
		return settings{}, err
	}
	s.nBoot = n
	if f := c.SampleFraction; f != 0 {
		if !(f > 0 && f <= 1) {
			return bad("sample fraction %v not in (0, 1]", f)
		}
		s.nBoot = max(1, int(math.Round(f*float64(n))))
	}
	if c.OOB && !s.bootstrap {
		return bad("out-of-bag score without bootstrap")
	}
	if c.FeatureNames != nil && len(c.FeatureNames) != p {
		return settings{}, fmt.Errorf("forest: %d feature names for %d columns: %w", len(c.FeatureNames), p, errs.ErrDimension)
	}
	for k, w := range c.ClassWeight.w {
		if !(w >= 0) || math.IsInf(w, 0) {
			return bad("class weight %d = %v", k, w)
		}
	}
	return s, nil
}
