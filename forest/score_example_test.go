package forest_test

import (
	"context"
	"fmt"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest"
)

func ExampleForest_ScoreMatrix() {
	X, y := flows()
	f, _ := forest.Fit(context.Background(), X, y, forest.Config{Trees: 50, Seed: 1})
	scores := make([]float64, 8)
	if err := f.ScoreMatrix(context.Background(), X, scores); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f\n", scores)
	// anomaly.ScoreBatch uses ScoreMatrix when a detector has it.
	_ = anomaly.ScoreBatch(context.Background(), f, X, scores, 0)
	fmt.Printf("%.2f\n", scores)
	// Output:
	// [0.00 0.00 0.00 0.00 1.00 1.00 1.00 1.00]
	// [0.00 0.00 0.00 0.00 1.00 1.00 1.00 1.00]
}
