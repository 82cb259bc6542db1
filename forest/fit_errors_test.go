package forest_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/errs"
)

// Labels of a single class make a model whose score is a constant: Fit
// refuses them.
func TestFitRefusesSingleClass(t *testing.T) {
	x := mat.NewDense(6, 2, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	for _, y := range [][]int{{0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}} {
		_, err := forest.Fit(context.Background(), x, y, forest.Config{Trees: 3, Seed: 1})
		require.Error(t, err)
		assert.ErrorIs(t, err, errs.ErrDimension)
		assert.Contains(t, err.Error(), "at least two classes")
	}
	f, err := forest.Fit(context.Background(), x, []int{0, 0, 0, 1, 1, 1}, forest.Config{Trees: 3, Seed: 1})
	require.NoError(t, err)
	assert.False(t, f.Constant())

	// Two classes but nothing to split on: every tree is one leaf.
	flat := mat.NewDense(6, 2, nil)
	f, err = forest.Fit(context.Background(), flat, []int{0, 0, 0, 1, 1, 1}, forest.Config{Trees: 3, Seed: 1})
	require.NoError(t, err)
	assert.True(t, f.Constant())
}

// A NaN in the training matrix is located by its 0-based row and named
// column.
func TestFitNaNNamesRowAndColumn(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, math.NaN(), 7, 8})
	for _, c := range []struct {
		cfg  forest.Config
		want string
	}{
		{forest.Config{Trees: 2}, "X row 2 (0-based), column 1: value NaN"},
		{forest.Config{Trees: 2, FeatureNames: []string{"a", "bytes"}}, `X row 2 (0-based), column 1 ("bytes")`},
		{forest.Config{Trees: 2, Splitter: forest.Histogram}, "X row 2 (0-based), column 1"},
	} {
		_, err := forest.Fit(context.Background(), x, []int{0, 1, 0, 1}, c.cfg)
		require.Error(t, err)
		assert.ErrorIs(t, err, errs.ErrNaN)
		assert.Contains(t, err.Error(), c.want)
	}
}
