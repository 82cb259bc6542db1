package xgboost_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
)

// TestExtraModels checks the small models of testdata/extra (made by
// testdata/make_extra.py with XGBoost 1.7.4) against XGBoost's own margins
// and predictions: random forests, boosted random forests, dart with
// classes, multi-target regression and every objective with a known
// transform.
func TestExtraModels(t *testing.T) {
	dir := filepath.Join("testdata", "extra")
	x := readCSV(t, filepath.Join(dir, "input.csv"), true)
	for _, tc := range []struct {
		name, objective string
		parallel        int
		outputs         int
	}{
		{"rf", "binary:logistic", 6, 1},
		{"boosted_rf", "binary:logistic", 3, 1},
		{"multi_rf", "multi:softprob", 2, 3},
		{"dart_multi", "multi:softprob", 1, 3},
		{"multi_target", "reg:squarederror", 1, 2},
		{"hinge", "binary:hinge", 1, 1},
		{"poisson", "count:poisson", 1, 1},
		{"gamma", "reg:gamma", 1, 1},
		{"tweedie", "reg:tweedie", 1, 1},
		{"absoluteerror", "reg:absoluteerror", 1, 1},
		{"pseudohubererror", "reg:pseudohubererror", 1, 1},
		{"squaredlogerror", "reg:squaredlogerror", 1, 1},
		{"cox", "survival:cox", 1, 1},
		{"aft", "survival:aft", 1, 1},
		{"pairwise", "rank:pairwise", 1, 1},
		{"ndcg", "rank:ndcg", 1, 1},
		{"map", "rank:map", 1, 1},
	} {
		margin := readCSV(t, filepath.Join(dir, tc.name+"_margin.csv"), false)
		pred := readCSV(t, filepath.Join(dir, tc.name+"_pred.csv"), false)
		for _, ext := range []string{"json", "ubj"} {
			path := filepath.Join(dir, tc.name+"."+ext)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			t.Run(tc.name+"."+ext, func(t *testing.T) {
				m, err := xgboost.Load(path)
				require.NoError(t, err)
				assert.Equal(t, tc.objective, m.Objective())
				assert.Equal(t, tc.parallel, m.ParallelTrees())
				require.Equal(t, tc.outputs, m.NumOutputs())
				mg := make([]float64, m.NumOutputs())
				pr := make([]float64, m.NumPredictions())
				for i, row := range x {
					require.NoError(t, m.Margin(row, mg))
					require.NoError(t, m.Predict(row, pr))
					require.InDeltaSlice(t, margin[i], mg, tol, "row %d margins", i)
					require.InDeltaSlice(t, pred[i], pr, tol*max(1, pred[i][0]), "row %d predictions", i)
					if m.NumOutputs() == 1 {
						s, err := m.Score(row)
						require.NoError(t, err)
						if m.Objective() != "binary:logitraw" {
							assert.InDelta(t, pr[0], s, tol*max(1, pr[0]), "row %d: score is the prediction", i)
						}
					}
				}
			})
		}
	}
}

// A model saved with early stopping holds rounds past its best one. A
// Model scores them all, as Booster.predict does; to score as
// XGBClassifier.predict_proba does, keep the rounds up to best_iteration.
func ExampleModel_WithIterationRange() {
	m, err := xgboost.Load("testdata/xgb/early_stopping.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	best, ok := m.BestIteration()
	fmt.Println("rounds:", m.Rounds(), "best_iteration:", best, ok)
	sk, err := m.WithIterationRange(0, best+1)
	if err != nil {
		fmt.Println(err)
		return
	}
	x := []float64{0, 18, 0, 16, 9, 0, 1, 0, 0, 0.44} // row 58 of test_features.csv
	all, _ := m.Score(x)
	first, _ := sk.Score(x)
	fmt.Printf("every round (Booster.predict): %.4f\n", all)
	fmt.Printf("rounds [0, %d) (predict_proba): %.4f\n", best+1, first)
	// Output:
	// rounds: 28 best_iteration: 22 true
	// every round (Booster.predict): 0.6051
	// rounds [0, 23) (predict_proba): 0.4960
}
