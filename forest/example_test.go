package forest_test

import (
	"context"
	"fmt"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
)

// flows is a toy training set: two features (packets per second, share of
// SYN packets) and a label (1 = attack).
func flows() (*mat.Dense, []int) {
	X := mat.NewDense(8, 2, []float64{
		10, 0.1,
		12, 0.0,
		9, 0.2,
		11, 0.1,
		900, 0.9,
		850, 1.0,
		990, 0.8,
		1200, 0.9,
	})
	return X, []int{0, 0, 0, 0, 1, 1, 1, 1}
}

func ExampleFit() {
	X, y := flows()
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 50, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, x := range [][]float64{{15, 0.1}, {1000, 0.95}} {
		score, _ := f.Score(x) // P(attack)
		class, _ := f.Predict(x)
		fmt.Printf("%v: score %.2f, class %d\n", x, score, class)
	}
	// Output:
	// [15 0.1]: score 0.00, class 0
	// [1000 0.95]: score 1.00, class 1
}

func ExampleForest_PredictProba() {
	// Three classes: 0 normal, 1 flood, 2 scan.
	X := mat.NewDense(6, 1, []float64{1, 2, 50, 60, 300, 310})
	y := []int{0, 0, 1, 1, 2, 2}
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 20, NoBootstrap: true, MaxFeatures: forest.AllFeatures})
	p := make([]float64, f.NumClasses())
	_ = f.PredictProba([]float64{55}, p)
	score, _ := f.Score([]float64{55}) // 1 − P(normal)
	fmt.Printf("P = %.2f, score %.2f\n", p, score)
	// Output:
	// P = [0.00 1.00 0.00], score 1.00
}

func ExampleForest_ScoreBatch() {
	X, y := flows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 50, Seed: 1})
	scores := make([]float64, 8)
	_ = f.ScoreBatch(X, scores)
	fmt.Printf("%.2f\n", scores)
	// Output:
	// [0.00 0.00 0.00 0.00 1.00 1.00 1.00 1.00]
}

func ExampleForest_Importances() {
	X, y := blobs(400, 3, 2, 3, 1) // feature 0 carries the class, 1 a little, 2 nothing
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Seed: 1,
		FeatureNames: []string{"src_bytes", "count", "noise"}})
	imp := f.Importances()
	sort.Slice(imp, func(a, b int) bool { return imp[a].Value > imp[b].Value })
	for _, im := range imp {
		fmt.Println(im.Name)
	}
	// Output:
	// src_bytes
	// count
	// noise
}

func ExampleForest_PermutationImportance() {
	Xtr, ytr := blobs(400, 3, 2, 3, 1)
	Xte, yte := blobs(200, 3, 2, 3, 2)
	f, _ := forest.Fit(context.Background(), Xtr, ytr, forest.Config{Seed: 1,
		FeatureNames: []string{"src_bytes", "count", "noise"}})
	imp, _ := f.PermutationImportance(context.Background(), Xte, yte, 5, 1)
	for _, im := range imp {
		fmt.Printf("%s: accuracy drop above 0.05: %v\n", im.Name, im.Value > 0.05)
	}
	// Output:
	// src_bytes: accuracy drop above 0.05: true
	// count: accuracy drop above 0.05: false
	// noise: accuracy drop above 0.05: false
}

func ExampleForest_OOBScore() {
	X, y := blobs(400, 3, 2, 3, 1)
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Seed: 1, OOB: true})
	oob, ok := f.OOBScore()
	fmt.Printf("computed %v, above 0.9: %v\n", ok, oob > 0.9)
	// Output:
	// computed true, above 0.9: true
}

func ExampleForest_MarshalBinary() {
	X, y := flows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 10, Seed: 1})
	b, _ := f.MarshalBinary()
	var g forest.Forest
	if err := g.UnmarshalBinary(b); err != nil {
		fmt.Println(err)
		return
	}
	s, _ := g.Score([]float64{1000, 0.9})
	fmt.Printf("%s… %d trees, score %.1f\n", b[:4], g.NumTrees(), s)
	err := g.UnmarshalBinary(b[:len(b)-10])
	fmt.Println(err)
	// Output:
	// NWRF… 10 trees, score 1.0
	// forest: CRC-32 ff0f5073, stored 00004014 (truncated or corrupt): netwarden: checksum mismatch
}
