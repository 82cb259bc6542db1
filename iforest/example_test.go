package iforest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/iforest"
)

// flows makes n synthetic benign flows: duration (s), bytes sent, packets.
func flows(n int) *mat.Dense {
	r := rand.New(rand.NewPCG(1, 2))
	X := mat.NewDense(n, 3, nil)
	for i := range n {
		X.Set(i, 0, 1+r.Float64())
		X.Set(i, 1, 500+100*r.NormFloat64())
		X.Set(i, 2, 10+r.NormFloat64())
	}
	return X
}

func ExampleFit() {
	X := flows(2000)
	f, err := iforest.Fit(context.Background(), X, iforest.Config{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	typical, _ := f.Score([]float64{1.5, 500, 10})
	exfil, _ := f.Score([]float64{1.5, 90000, 10}) // far too many bytes
	fmt.Printf("%d trees of %d rows\n", f.NumTrees(), f.SampleSize())
	fmt.Printf("typical flow %.2f, exfiltration %.2f\n", typical, exfil)
	// Output:
	// 100 trees of 256 rows
	// typical flow 0.41, exfiltration 0.59
}

func ExampleForest_Score() {
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 2})
	for _, x := range [][]float64{{1.5, 480, 10}, {30, 0, 1}, {1.5, 500}} {
		s, err := f.Score(x)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%v: %.2f anomalous=%v\n", x, s, s > iforest.DefaultThreshold)
	}
	// Output:
	// [1.5 480 10]: 0.42 anomalous=false
	// [30 0 1]: 0.74 anomalous=true
	// iforest: row of 2 values, want 3: netwarden: wrong dimension
}

func ExampleForest_Contributions() {
	names := []string{"duration", "bytes", "packets"}
	f, _ := iforest.Fit(context.Background(), flows(2000), iforest.Config{Seed: 3, FeatureNames: names})
	x := []float64{1.5, 520, 45} // a burst of packets
	why := make([]float64, f.NumFeatures())
	if err := f.Contributions(x, why); err != nil {
		fmt.Println(err)
		return
	}
	order := []int{0, 1, 2}
	slices.SortFunc(order, func(a, b int) int { return -cmpFloat(why[a], why[b]) })
	for _, j := range order {
		fmt.Printf("%-8s %.3f\n", f.FeatureNames()[j], why[j])
	}
	// Output:
	// packets  0.056
	// duration 0.024
	// bytes    0.020
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ExampleForest_ThresholdForContamination() {
	// Flag the 1 % of training flows that are easiest to isolate, as
	// scikit-learn's IsolationForest(contamination=0.01) does.
	X := flows(2000)
	f, _ := iforest.Fit(context.Background(), X, iforest.Config{Seed: 4})
	thr, err := f.ThresholdForContamination(context.Background(), X, 0.01)
	if err != nil {
		fmt.Println(err)
		return
	}
	scores := make([]float64, 2000)
	_ = f.ScoreMatrix(context.Background(), X, scores)
	flagged := 0
	for _, s := range scores {
		if s > thr {
			flagged++
		}
	}
	fmt.Printf("threshold %.3f flags %d of 2000\n", thr, flagged)
	// Output:
	// threshold 0.622 flags 20 of 2000
}

func ExampleForest_ScoreMatrix() {
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 5})
	batch := mat.NewDense(3, 3, []float64{
		1.2, 510, 10,
		1.8, 450, 9,
		30, 0, 1,
	})
	scores := make([]float64, 3)
	if err := f.ScoreMatrix(context.Background(), batch, scores); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f\n", scores)
	// Output:
	// [0.43 0.46 0.72]
}

func ExampleForest_MarshalBinary() {
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 6, Trees: 50})
	data, err := f.MarshalBinary()
	if err != nil {
		fmt.Println(err)
		return
	}
	var g iforest.Forest
	if err := g.UnmarshalBinary(data); err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{1.5, 2000, 10}
	a, _ := f.Score(x)
	b, _ := g.Score(x)
	fmt.Println(string(data[:8]), a == b)
	data[100] ^= 1
	fmt.Println(g.UnmarshalBinary(data) != nil)
	// Output:
	// NWIFORST true
	// true
}

func ExampleConfig_extended() {
	// ExtensionLevel 1: each split is a random line through two features.
	f, _ := iforest.Fit(context.Background(), flows(2000), iforest.Config{Seed: 7, ExtensionLevel: 1})
	s, _ := f.Score([]float64{1.5, 90000, 10})
	fmt.Printf("extension level %d: exfiltration %.2f\n", f.ExtensionLevel(), s)
	// Output:
	// extension level 1: exfiltration 0.70
}

func ExampleAveragePathLength() {
	// c(256) normalises the scores of a forest of ψ = 256.
	fmt.Printf("c(2) = %.0f, c(256) = %.2f\n", iforest.AveragePathLength(2), iforest.AveragePathLength(256))
	// Output:
	// c(2) = 1, c(256) = 10.24
}

func ExampleThresholdForContamination() {
	scores := []float64{0.41, 0.39, 0.44, 0.72, 0.40, 0.43, 0.38, 0.66, 0.42, 0.45}
	thr, _ := iforest.ThresholdForContamination(scores, 0.2)
	for _, s := range scores {
		if s > thr {
			fmt.Println("flag", s)
		}
	}
	// Output:
	// flag 0.72
	// flag 0.66
}

func ExampleForest_PathLength() {
	// E[h(x)] is the raw output behind the score: s = 2^(−E[h]/c(ψ)).
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 8})
	x := []float64{1.5, 500, 10}
	h, _ := f.PathLength(x)
	s, _ := f.Score(x)
	fmt.Printf("E[h] = %.2f, c(ψ) = %.2f, score %.3f = %.3f\n", h, iforest.AveragePathLength(f.SampleSize()), s,
		math.Exp2(-h/iforest.AveragePathLength(f.SampleSize())))
	// Output:
	// E[h] = 13.21, c(ψ) = 10.24, score 0.409 = 0.409
}

func ExampleForest_Trees() {
	// The classic trees in the shared flat layout: a leaf's value is the
	// path length it contributes, Cover counts the subsample rows.
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 9, Trees: 3})
	for i, t := range f.Trees() {
		fmt.Printf("tree %d: %d nodes, root cover %.0f, depth %d\n", i, len(t.Nodes), t.Cover[0], t.MaxDepth())
	}
	// Output:
	// tree 0: 127 nodes, root cover 256, depth 8
	// tree 1: 189 nodes, root cover 256, depth 8
	// tree 2: 187 nodes, root cover 256, depth 8
}

func ExampleForest_ScoreBatch() {
	f, _ := iforest.Fit(context.Background(), flows(1000), iforest.Config{Seed: 10})
	rows := [][]float64{{1.1, 520, 11}, {1.9, 480, 9}, {0.01, 40000, 300}}
	scores := make([]float64, len(rows))
	if err := f.ScoreBatch(context.Background(), rows, scores); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f\n", scores)
	// Output:
	// [0.48 0.47 0.72]
}

func ExampleForest_Explain() {
	names := []string{"duration", "bytes", "packets"}
	f, _ := iforest.Fit(context.Background(), flows(2000), iforest.Config{Seed: 3, FeatureNames: names})
	x := []float64{1.5, 520, 45} // a burst of packets
	phi := make([]float64, f.NumFeatures())
	base, err := f.Explain(x, phi) // TreeSHAP of the expected path length
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := f.PathLength(x)
	fmt.Printf("mean path %.3f %+.3f %+.3f %+.3f = path length %.3f\n", base, phi[0], phi[1], phi[2], h)
	// Negative: shortens the path, so pushes towards "anomalous".
	order := []int{0, 1, 2}
	slices.SortFunc(order, func(a, b int) int { return cmpFloat(phi[a], phi[b]) })
	for _, j := range order {
		fmt.Printf("%-8s %+.3f\n", f.FeatureNames()[j], phi[j])
	}
	// Output:
	// mean path 11.238 +0.204 +0.443 -4.203 = path length 7.682
	// packets  -4.203
	// duration +0.204
	// bytes    +0.443
}

func ExampleForest_ExplainApprox() {
	f, _ := iforest.Fit(context.Background(), flows(2000), iforest.Config{Seed: 3})
	phi := make([]float64, f.NumFeatures())
	base, err := f.ExplainApprox([]float64{1.5, 520, 45}, phi) // Saabas: cheaper, not a Shapley value
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("base %.3f, contributions %+.3f\n", base, phi)
	_, err = f.ExplainApprox([]float64{1.5, 520}, phi)
	fmt.Println(err)
	// Output:
	// base 11.238, contributions [+0.323 +0.446 -4.325]
	// iforest: row of 2 values, want 3: netwarden: wrong dimension
}
