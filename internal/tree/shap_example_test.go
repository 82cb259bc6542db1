package tree_test

import (
	"fmt"
	"math"

	"github.com/netwarden/netwarden/internal/tree"
)

// stump is a small tree over two features: feature 1 < 5 (cover 4 of 10)
// leads to a split on feature 0 < 2 into leaves 1 (cover 1) and 5 (cover 3);
// otherwise the leaf is 10 (cover 6). Its expected value is 7.6.
func stump() tree.Tree {
	return tree.Tree{
		Nodes: []tree.Node{
			{Feature: 1, Threshold: 5, Left: 1, Right: 4},
			{Feature: 0, Threshold: 2, Left: 2, Right: 3, Flags: tree.DefaultLeft},
			{Feature: -1}, {Feature: -1}, {Feature: -1},
		},
		Outputs: 1,
		Values:  []float64{0, 0, 1, 5, 10},
		Cover:   []float64{10, 4, 1, 3, 6},
	}
}

func ExampleNewEnsemble() {
	e, err := tree.NewEnsemble([]tree.Tree{stump()}, 2, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.NumTrees(), "tree over", e.NumFeatures(), "features")

	noCover := stump()
	noCover.Cover = nil
	_, err = tree.NewEnsemble([]tree.Tree{stump(), noCover}, 2, nil)
	fmt.Println(err)
	// Output:
	// 1 tree over 2 features
	// tree: explain: tree 1 has no cover statistics (the model was saved without them): netwarden: model cannot explain its scores
}

func ExampleExplainer_Explain() {
	e, _ := tree.NewEnsemble([]tree.Tree{stump()}, 2, nil)
	x, _ := e.Explainer(nil)        // the plain sum of the trees' outputs
	row := []float64{math.NaN(), 1} // NaN follows the default (left) branch
	dst := make([]float64, 2)
	base, _ := x.Explain(row, dst)
	out, _ := x.Value(row)
	fmt.Printf("output %.4g = base %.4g + %.4g + %.4g\n", out, base, dst[0], dst[1])
	// Output:
	// output 1 = base 7.6 + -2.1 + -4.5
}

func ExampleExplainer_ExplainApprox() {
	e, _ := tree.NewEnsemble([]tree.Tree{stump()}, 2, nil)
	x, _ := e.Explainer(nil)
	dst := make([]float64, 2)
	base, _ := x.ExplainApprox([]float64{3, 1}, dst)
	// Saabas: feature 1 moves the mean from 7.6 to 4, feature 0 from 4 to 5.
	fmt.Printf("base %.4g, contributions %.4g\n", base, dst)
	// Output:
	// base 7.6, contributions [1 -3.6]
}

func ExampleEnsemble_Explainer() {
	// A two-class probability tree (Outputs 2), as a Random Forest holds:
	// explain the probability of class 1 averaged over the forest's trees,
	// here a forest of one.
	t := tree.Tree{
		Nodes:   []tree.Node{{Feature: 0, Threshold: 0.5, Left: 1, Right: 2}, {Feature: -1}, {Feature: -1}},
		Outputs: 2,
		Values:  []float64{0, 0, 0.9, 0.1, 0.2, 0.8},
		Cover:   []float64{100, 75, 25},
	}
	e, _ := tree.NewEnsemble([]tree.Tree{t}, 1, nil)
	x, _ := e.Explainer([][]float64{{0, 1}})
	dst := make([]float64, 1)
	base, _ := x.Explain([]float64{1}, dst)
	fmt.Printf("P(class 1) = %.3g + %.3g\n", base, dst[0])
	// Output:
	// P(class 1) = 0.275 + 0.525
}
