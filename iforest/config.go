package iforest

import (
	"fmt"
	"math"
	"runtime"

	"github.com/netwarden/netwarden/internal/errs"
)

// Defaults used when a Config field is left at its zero value.
const (
	// DefaultTrees is the number of trees (scikit-learn's n_estimators).
	DefaultTrees = 100
	// DefaultSampleSize is the subsample size ψ (scikit-learn's max_samples).
	DefaultSampleSize = 256
	// DefaultThreshold is the score above which a row is called anomalous when
	// no contamination rate is known: scikit-learn's contamination="auto"
	// (offset −0.5 on score_samples), and the paper's "s much smaller than
	// 0.5 is quite safe to call normal".
	DefaultThreshold = 0.5
)

// Config sets the training parameters of Fit. Its zero value means the
// documented defaults: Config{Trees: 200} changes one thing.
type Config struct {
	// Trees is the number of isolation trees. Default DefaultTrees (100).
	Trees int
	// SampleSize is ψ, the number of rows drawn for each tree. Default
	// DefaultSampleSize (256). When the data has fewer rows, every row is
	// used (ψ = n, as scikit-learn does). Must be at least 2 once capped. At
	// most one of SampleSize and SampleFraction may be set.
	SampleSize int
	// SampleFraction, when in (0, 1], sets ψ = ceil(SampleFraction × n)
	// instead of SampleSize (scikit-learn's float max_samples).
	SampleFraction float64
	// MaxDepth is the height limit of each tree. Default ceil(log2 ψ), the
	// paper's limit (the average tree height), which is what scikit-learn
	// uses.
	MaxDepth int
	// MaxFeatures is the number of features each tree may split on, drawn
	// at random without replacement for each tree. Default (0): all of them.
	MaxFeatures int
	// Bootstrap draws each tree's subsample with replacement. Default false:
	// without replacement, as in the paper.
	Bootstrap bool
	// ExtensionLevel selects the Extended Isolation Forest: each split is a
	// random hyperplane through ExtensionLevel+1 features (normal vector
	// drawn from a standard normal, intercept point uniform in the node's
	// bounding box). 0 (the default) is the classic axis-parallel forest;
	// the largest level is the number of features minus 1.
	ExtensionLevel int
	// Seed seeds the random numbers; tree i uses a PCG source seeded with
	// (Seed, i). The same Seed gives the same forest whatever Workers is.
	Seed uint64
	// Workers is the number of goroutines that build trees. Default
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, when not nil, is called after each tree is built with the
	// number of trees done so far and the total. It is called from the
	// worker goroutines, one call at a time, with done increasing.
	Progress func(done, total int)
	// FeatureNames optionally names the columns, so that explanations can
	// speak names. When set, it must have one name per column.
	FeatureNames []string
}

// resolved is a Config with its defaults applied for a data set of n rows
// and d columns.
type resolved struct {
	trees, psi, maxDepth, maxFeatures, ext, workers int
	bootstrap                                       bool
	seed                                            uint64
}

func (c *Config) resolve(n, d int) (resolved, error) {
	r := resolved{
		trees:       c.Trees,
		psi:         c.SampleSize,
		maxDepth:    c.MaxDepth,
		maxFeatures: c.MaxFeatures,
		ext:         c.ExtensionLevel,
		workers:     c.Workers,
		bootstrap:   c.Bootstrap,
		seed:        c.Seed,
	}
	bad := func(format string, a ...any) (resolved, error) {
		return resolved{}, fmt.Errorf("iforest: config: "+format, a...)
	}
	switch {
	case r.trees < 0:
		return bad("%d trees", r.trees)
	case r.trees == 0:
		r.trees = DefaultTrees
	}
	f := c.SampleFraction
	switch {
	case r.psi < 0:
		return bad("sample size %d", r.psi)
	case math.IsNaN(f) || f < 0 || f > 1:
		return bad("sample fraction %v not in (0, 1]", f)
	case r.psi > 0 && f > 0:
		return bad("both SampleSize (%d) and SampleFraction (%v) set", r.psi, f)
	case f > 0:
		r.psi = int(math.Ceil(f * float64(n)))
	case r.psi == 0:
		r.psi = DefaultSampleSize
	}
	if r.psi > n {
		r.psi = n
	}
	if r.psi < 2 {
		return resolved{}, fmt.Errorf("iforest: sample size %d (%d rows): need at least 2 rows: %w", r.psi, n, errs.ErrEmpty)
	}
	switch {
	case r.maxDepth < 0:
		return bad("max depth %d", r.maxDepth)
	case r.maxDepth == 0:
		r.maxDepth = int(math.Ceil(math.Log2(float64(r.psi))))
	}
	if r.maxDepth > 64 {
		return bad("max depth %d (at most 64)", r.maxDepth)
	}
	switch {
	case r.maxFeatures < 0 || r.maxFeatures > d:
		return bad("max features %d not in [1, %d]", r.maxFeatures, d)
	case r.maxFeatures == 0:
		r.maxFeatures = d
	}
	if r.ext < 0 || r.ext >= r.maxFeatures {
		return bad("extension level %d not in [0, %d]", r.ext, r.maxFeatures-1)
	}
	switch {
	case r.workers < 0:
		return bad("%d workers", r.workers)
	case r.workers == 0:
		r.workers = runtime.GOMAXPROCS(0)
	}
	if r.workers > r.trees {
		r.workers = r.trees
	}
	if c.FeatureNames != nil && len(c.FeatureNames) != d {
		return resolved{}, fmt.Errorf("iforest: config: %d feature names for %d columns: %w", len(c.FeatureNames), d, errs.ErrDimension)
	}
	return r, nil
}

const eulerGamma = 0.5772156649015329

// AveragePathLength returns c(n), the average path length of an unsuccessful
// search in a binary search tree of n keys (Liu et al. 2008, eq. 1):
// c(n) = 2H(n−1) − 2(n−1)/n with the harmonic number H(i) ≈ ln i + γ, and
// c(2) = 1, c(n) = 0 for n ≤ 1 (scikit-learn's _average_path_length). It is
// the path length a leaf of n training rows adds to its depth, and c(ψ)
// normalises the anomaly score.
func AveragePathLength(n int) float64 {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	}
	m := float64(n - 1)
	return 2*(math.Log(m)+eulerGamma) - 2*m/float64(n)
}
