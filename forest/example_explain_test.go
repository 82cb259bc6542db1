package forest_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
)

// mixedFlows is a toy training set of three features (packets per second,
// share of SYN packets, distinct ports) and three classes: 0 normal,
// 1 flood (many packets, mostly SYN), 2 scan (many ports).
func mixedFlows() (*mat.Dense, []int) {
	var data []float64
	var y []int
	for i := range 60 {
		v := float64(i % 10)
		switch i % 3 {
		case 0:
			data = append(data, 10+v, 0.1+v/100, 2+v/5)
		case 1:
			data = append(data, 900+10*v, 0.9-v/100, 2+v/5)
		case 2:
			data = append(data, 20+v, 0.5+v/100, 200+10*v)
		}
		y = append(y, i%3)
	}
	return mat.NewDense(60, 3, data), y
}

func ExampleForest_Explain() {
	X, y := flows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 50, Seed: 1})
	x := []float64{950, 0.1} // many packets, few SYN
	phi := make([]float64, f.NumFeatures())
	base, err := f.Explain(x, phi) // TreeSHAP of P(attack)
	if err != nil {
		fmt.Println(err)
		return
	}
	score, _ := f.Score(x)
	fmt.Printf("expected %.3f %+.3f (packets/s) %+.3f (SYN share) = score %.3f\n", base, phi[0], phi[1], score)
	// Output:
	// expected 0.495 +0.252 (packets/s) -0.228 (SYN share) = score 0.520
}

func ExampleForest_ExplainApprox() {
	X, y := flows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 50, Seed: 1})
	phi := make([]float64, f.NumFeatures())
	base, _ := f.ExplainApprox([]float64{950, 0.1}, phi) // Saabas: cheaper, not a Shapley value
	fmt.Printf("expected %.3f, contributions %+.3f\n", base, phi)
	// Output:
	// expected 0.495, contributions [+0.253 -0.228]
}

func ExampleForest_ExplainClass() {
	X, y := mixedFlows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 30, Seed: 2})
	x := []float64{25, 0.5, 240} // a scan
	phi := make([]float64, f.NumFeatures())
	for k, name := range []string{"normal", "flood", "scan"} {
		base, _ := f.ExplainClass(k, x, phi) // TreeSHAP of P(class k)
		fmt.Printf("P(%s): expected %.3f, contributions %+.3f\n", name, base, phi)
	}
	base, _ := f.Explain(x, phi) // Score = 1 − P(normal)
	score, _ := f.Score(x)
	fmt.Printf("score %.3f: expected %.3f, contributions %+.3f\n", score, base, phi)
	// Output:
	// P(normal): expected 0.315, contributions [-0.079 -0.011 -0.225]
	// P(flood): expected 0.337, contributions [-0.072 -0.146 -0.119]
	// P(scan): expected 0.348, contributions [+0.151 +0.157 +0.344]
	// score 1.000: expected 0.685, contributions [+0.079 +0.011 +0.225]
}

func ExampleForest_ExplainClassApprox() {
	X, y := mixedFlows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 30, Seed: 2})
	phi := make([]float64, f.NumFeatures())
	base, _ := f.ExplainClassApprox(1, []float64{950, 0.85, 3}, phi) // P(flood), Saabas
	fmt.Printf("expected %.3f, contributions %+.3f\n", base, phi)
	// Output:
	// expected 0.337, contributions [+0.198 +0.336 +0.129]
}
