package forest_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
)

// sklearnCase is one tree of testdata/sklearn_trees.json.
type sklearnCase struct {
	Name        string         `json:"name"`
	Params      map[string]any `json:"params"`
	X           [][]float64    `json:"X"`
	Y           []int          `json:"y"`
	Left        []int32        `json:"left"`
	Right       []int32        `json:"right"`
	Feature     []int32        `json:"feature"`
	Threshold   []float64      `json:"threshold"`
	Value       [][]float64    `json:"value"`
	Cover       []float64      `json:"cover"`
	Importances []float64      `json:"importances"`
}

// TestMatchesScikitLearnTree grows single trees without bootstrap on every
// feature and checks them node by node against the trees scikit-learn's
// DecisionTreeClassifier grew on the same data (testdata/sklearn_trees.py):
// same node order, split features, thresholds (scikit-learn's x <= t is
// stored as x < Nextafter(t, +Inf)), class distributions, weighted sample
// counts and impurity importances.
func TestMatchesScikitLearnTree(t *testing.T) {
	raw, err := os.ReadFile("testdata/sklearn_trees.json")
	require.NoError(t, err)
	var doc struct {
		Cases []sklearnCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Cases)
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			n, p := len(c.X), len(c.X[0])
			X := mat.NewDense(n, p, nil)
			for i, r := range c.X {
				X.SetRow(i, r)
			}
			cfg := forest.Config{Trees: 1, NoBootstrap: true, MaxFeatures: forest.AllFeatures, Workers: 1}
			if v, ok := c.Params["criterion"]; ok && v == "entropy" {
				cfg.Criterion = forest.Entropy
			}
			if v, ok := c.Params["max_depth"].(float64); ok {
				cfg.MaxDepth = int(v)
			}
			if v, ok := c.Params["min_samples_leaf"].(float64); ok {
				cfg.MinSamplesLeaf = int(v)
			}
			if v, ok := c.Params["min_samples_split"].(float64); ok {
				cfg.MinSamplesSplit = int(v)
			}
			if v, ok := c.Params["class_weight"]; ok && v == "balanced" {
				cfg.ClassWeight = forest.Balanced
			}
			f, err := forest.Fit(context.Background(), X, c.Y, cfg)
			require.NoError(t, err)
			tr := forest.TreeForTest(f, 0)
			require.Len(t, tr.Nodes, len(c.Left), "node count")
			for i, nd := range tr.Nodes {
				if c.Left[i] < 0 {
					assert.True(t, nd.IsLeaf(), "node %d is a leaf in scikit-learn", i)
				} else {
					require.False(t, nd.IsLeaf(), "node %d splits in scikit-learn", i)
					assert.Equal(t, c.Feature[i], nd.Feature, "node %d feature", i)
					assert.Equal(t, c.Left[i], nd.Left, "node %d left", i)
					assert.Equal(t, c.Right[i], nd.Right, "node %d right", i)
					assert.Equal(t, math.Nextafter(c.Threshold[i], math.Inf(1)), nd.Threshold, "node %d threshold", i)
				}
				assert.InDelta(t, c.Cover[i], tr.Cover[i], 1e-9*c.Cover[0], "node %d cover", i)
				assert.InDeltaSlice(t, c.Value[i], tr.Value(int32(i)), 1e-12, "node %d value", i)
			}
			got := f.Importances()
			for j, want := range c.Importances {
				assert.InDelta(t, want, got[j].Value, 1e-9, "importance %d", j)
			}
		})
	}
}
