package forest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
)

// FeatureImportance is the importance of one feature.
type FeatureImportance struct {
	// Name is the feature's name (Config.FeatureNames, or "f<index>").
	Name string
	// Index is the feature's column in X.
	Index int
	// Value is the importance: the normalised mean decrease in impurity, or
	// the mean decrease in accuracy when the feature is permuted.
	Value float64
	// Std is the standard deviation of Value over the trees (impurity) or
	// over the repeats (permutation).
	Std float64
}

// meanDecreaseImpurity computes scikit-learn's feature_importances_ from the
// trees: in each tree, every split adds w·i − w_L·i_L − w_R·i_R to its
// feature (w the node's weighted sample count, i its impurity, recomputed
// from the class distribution in Values); the tree's vector is divided by
// its root weight and normalised to sum 1; the forest's is the mean over the
// trees that split at all, normalised again. It also returns the standard
// deviation over trees of the per-tree normalised importances.
func (f *Forest) meanDecreaseImpurity() (mean, std []float64) {
	p := f.numFeatures
	mean = make([]float64, p)
	sq := make([]float64, p)
	imp := make([]float64, p)
	used := 0
	for ti := range f.trees {
		t := &f.trees[ti]
		if len(t.Nodes) < 2 || t.Cover == nil {
			continue
		}
		clear(imp)
		nodeImp := func(i int32) float64 { return impurity(f.criterion, t.Value(i), 1) }
		for i := range t.Nodes {
			nd := &t.Nodes[i]
			if nd.IsLeaf() {
				continue
			}
			imp[nd.Feature] += t.Cover[i]*nodeImp(int32(i)) -
				t.Cover[nd.Left]*nodeImp(nd.Left) - t.Cover[nd.Right]*nodeImp(nd.Right)
		}
		sum := 0.0
		for j := range imp {
			imp[j] /= t.Cover[0]
			sum += imp[j]
		}
		if sum > 0 {
			for j := range imp {
				imp[j] /= sum
			}
		}
		for j, v := range imp {
			mean[j] += v
			sq[j] += v * v
		}
		used++
	}
	std = make([]float64, p)
	if used == 0 {
		return mean, std
	}
	sum := 0.0
	for j := range mean {
		m := mean[j] / float64(used)
		std[j] = math.Sqrt(max(0, sq[j]/float64(used)-m*m))
		mean[j] = m
		sum += m
	}
	if sum > 0 {
		for j := range mean {
			mean[j] /= sum
			std[j] /= sum
		}
	}
	return mean, std
}

// Importances returns the mean decrease in impurity of every feature, in
// column order, normalised to sum 1 (scikit-learn's feature_importances_),
// with its standard deviation over the trees. Impurity importances are
// computed on the training data and favour features with many distinct
// values; PermutationImportance on held-out data does not.
func (f *Forest) Importances() []FeatureImportance {
	out := make([]FeatureImportance, f.numFeatures)
	for j := range out {
		out[j] = FeatureImportance{Name: f.featureName(j), Index: j}
		if f.mdi != nil {
			out[j].Value, out[j].Std = f.mdi[j], f.mdiStd[j]
		}
	}
	return out
}

// PermutationImportance returns, for every feature in column order, the
// mean decrease in accuracy (of Predict against y) when that feature's
// column of X is randomly permuted, over repeats permutations (Breiman 2001,
// section 10; scikit-learn's permutation_importance with the classifier's
// accuracy). X is not modified. The permutations depend only on seed, the
// feature and the repeat, so the result does not depend on GOMAXPROCS, over
// which the features are spread. Cancelling ctx stops the work and returns
// ctx.Err().
func (f *Forest) PermutationImportance(ctx context.Context, X mat.Matrix, y []int, repeats int, seed uint64) ([]FeatureImportance, error) {
	n, p, err := f.checkBatch(X)
	if err != nil {
		return nil, err
	}
	if len(y) != n {
		return nil, fmt.Errorf("forest: %d labels for %d rows: %w", len(y), n, errs.ErrDimension)
	}
	if repeats < 1 {
		return nil, fmt.Errorf("forest: %d repeats: %w", repeats, errs.ErrUnsupported)
	}
	// One row-major copy of X lets every worker build permuted rows fast.
	data := make([]float64, n*p)
	read := rowReader(X)
	for i := range n {
		x := data[i*p : (i+1)*p]
		read(i, x)
		for j, v := range x {
			if v != v {
				return nil, fmt.Errorf("forest: row %d: feature %d is NaN: %w", i, j, errs.ErrNaN)
			}
		}
	}
	accuracy := func(x []float64, perm []int, j int) float64 {
		var buf [maxStackClasses]float64
		correct := 0
		for i := range n {
			row := data[i*p : (i+1)*p]
			if perm != nil {
				copy(x, row)
				x[j] = data[perm[i]*p+j]
				row = x
			}
			var c int
			if f.numClasses <= maxStackClasses {
				pr := buf[:f.numClasses]
				f.proba(row, pr)
				c = argmax(pr)
			} else {
				c, _ = f.Predict(row)
			}
			if c == y[i] {
				correct++
			}
		}
		return float64(correct) / float64(n)
	}
	base := accuracy(nil, nil, 0)

	out := f.Importances()
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float64, p)
			perm := make([]int, n)
			drops := make([]float64, repeats)
			for j := range next {
				if ctx.Err() != nil {
					continue
				}
				for r := range repeats {
					rng := rand.New(rand.NewPCG(splitmix(seed^uint64(j)), splitmix(uint64(r)+seed)))
					for i := range perm {
						perm[i] = i
					}
					rng.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
					drops[r] = base - accuracy(x, perm, j)
				}
				m, sd := meanStd(drops)
				out[j].Value, out[j].Std = m, sd
			}
		}()
	}
	for j := range p {
		next <- j
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// meanStd returns the mean and population standard deviation of v.
func meanStd(v []float64) (float64, float64) {
	m := 0.0
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(v)))
}
