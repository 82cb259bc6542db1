package iforest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/tree"
)

// edgeValues are float64 values at the edges of the order-key mapping.
var edgeValues = []float64{
	0, math.Copysign(0, -1), 1, -1, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), 0x1p-1022, -0x1p-1022,
	1e-300, -1e-300, 0.1, -0.1, 3, 1 << 53, math.Nextafter(1, 2), math.Nextafter(1, 0),
}

func TestOrderKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := append([]float64(nil), edgeValues...)
	for range 2000 {
		v := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	for _, a := range vals {
		assert.Equal(t, math.Float64bits(a+0), math.Float64bits(fromOrderKey(tree.OrderKey(a))+0), "round trip of %v", a)
		for _, b := range vals[:60] {
			assert.Equal(t, a < b, tree.OrderKey(a) < tree.OrderKey(b), "%v < %v", a, b)
		}
	}
}

// TestGridThreshold checks that grid thresholds stay strictly above the
// node's minimum and at most its maximum, are on the grid whenever the range
// holds a grid value, and that the packed comparison agrees with x < t for
// every x.
func TestGridThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	probe := append([]float64(nil), edgeValues...)
	for range 200 {
		probe = append(probe, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	check := func(lo, hi float64) {
		for range 20 {
			u := lo + rng.Float64()*(hi-lo)
			if u >= hi {
				u = lo
			}
			thr := gridThreshold(math.Nextafter(u, math.Inf(1)), lo, hi)
			require.Greater(t, thr, lo, "lo %v hi %v", lo, hi)
			require.LessOrEqual(t, thr, hi, "lo %v hi %v", lo, hi)
			if !onGrid(thr) {
				continue
			}
			n := tree.OrderKey(thr) | 7
			for _, x := range append(probe, lo, hi, thr, math.Nextafter(thr, math.Inf(-1))) {
				if math.IsInf(x, 0) {
					continue
				}
				right := n < rowKey(x)
				require.Equal(t, !(x < thr), right, "x %v thr %v", x, thr)
			}
		}
	}
	for range 300 {
		a, b := rng.NormFloat64()*100, rng.NormFloat64()*100
		check(min(a, b), max(a, b))
	}
	for _, r := range [][2]float64{{0, 1}, {-1, 0}, {math.Copysign(0, -1), 1e-300}, {1, math.Nextafter(1, 2)},
		{-math.MaxFloat64, math.MaxFloat64}, {1e300, math.MaxFloat64}, {-5e-324, 5e-324}, {0.01, 0.02}} {
		check(r[0], r[1])
	}
	// A range narrower than the grid keeps the exact threshold.
	lo := 1.0
	hi := math.Nextafter(lo, 2)
	thr := gridThreshold(hi, lo, hi)
	assert.Equal(t, hi, thr)
}

// TestPackedMatchesGeneral scores rows, including ones with negative zeros,
// values equal to thresholds and extreme magnitudes, through the packed
// layout and the general batch layout, which must agree bit for bit.
func TestPackedMatchesGeneral(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d = 600, 7
	X := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			switch j {
			case 0:
				X.Set(i, j, float64(rng.IntN(3))) // ties
			case 1:
				X.Set(i, j, -rng.ExpFloat64())
			default:
				X.Set(i, j, rng.NormFloat64()*math.Pow(10, float64(j-3)))
			}
		}
	}
	for _, cfg := range []Config{{Seed: 1}, {Seed: 2, SampleSize: 64}, {Seed: 3, SampleSize: 17, Trees: 13}, {Seed: 4, Bootstrap: true}, {Seed: 5, Trees: 31}} {
		f, err := Fit(context.Background(), X, cfg)
		require.NoError(t, err)
		require.NotNil(t, f.packed, "a default fit packs")
		rows := [][]float64{}
		for i := range n {
			rows = append(rows, X.RawRowView(i))
		}
		for range 300 {
			x := make([]float64, d)
			for j := range x {
				x[j] = rng.NormFloat64() * 3
			}
			rows = append(rows, x)
		}
		// Rows at the thresholds, and just below them.
		for _, tr := range f.trees {
			for _, nd := range tr.Nodes {
				if nd.Feature < 0 {
					continue
				}
				x := append([]float64(nil), rows[rng.IntN(n)]...)
				x[nd.Feature] = nd.Threshold
				rows = append(rows, x)
				y := append([]float64(nil), x...)
				y[nd.Feature] = math.Nextafter(nd.Threshold, math.Inf(-1))
				rows = append(rows, y)
			}
		}
		for _, v := range edgeValues {
			if math.IsInf(v, 0) {
				continue
			}
			x := make([]float64, d)
			for j := range x {
				x[j] = v
			}
			rows = append(rows, x)
		}
		var g rowKeys
		for i, x := range rows {
			fillKeysFinite(&g, x)
			want := f.batchLayoutSum(x)
			require.Equal(t, want, packedPathSum(f.packed, &g), "row %d: %v", i, x)
			func() {
				defer func(old bool) { useAsm = old }(useAsm)
				useAsm = false
				require.Equal(t, want, packedPathSum(f.packed, &g), "Go walk, row %d: %v", i, x)
			}()
		}
		// The batch agrees with Score, through the assembly kernels (on
		// amd64) and the Go walk, for every size of the last block.
		want := make([]float64, len(rows))
		for i, x := range rows {
			s, err := f.Score(x)
			require.NoError(t, err)
			want[i] = s
		}
		for _, asm := range []bool{useAsm, false} {
			for _, m := range []int{1, 7, 8, 9, 16, 17, 23, 24, 25, 48, len(rows)} {
				got := make([]float64, m)
				func() {
					defer func(old bool) { useAsm = old }(useAsm)
					useAsm = asm
					require.NoError(t, f.ScoreBatch(context.Background(), rows[:m], got))
				}()
				require.Equal(t, want[:m], got, "asm %v, %d rows", asm, m)
			}
		}
	}
}

// TestUnpackable checks the forests that keep the general walk: too deep,
// too many features, or thresholds off the grid (files written before the
// grid, scikit-learn's trees).
func TestUnpackable(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	X := mat.NewDense(2000, 3, nil)
	for i := range 2000 {
		for j := range 3 {
			X.Set(i, j, rng.NormFloat64())
		}
	}
	deep, err := Fit(context.Background(), X, Config{Seed: 1, SampleSize: 1024})
	require.NoError(t, err)
	assert.Nil(t, deep.packed, "height limit 10")
	wide := mat.NewDense(300, 300, nil)
	for i := range 300 {
		for j := range 300 {
			wide.Set(i, j, rng.Float64())
		}
	}
	w, err := Fit(context.Background(), wide, Config{Seed: 1, Trees: 5})
	require.NoError(t, err)
	assert.Nil(t, w.packed, "300 features")
	f, err := Fit(context.Background(), X, Config{Seed: 1})
	require.NoError(t, err)
	require.NotNil(t, f.packed)
	assert.NotNil(t, packTrees(f.trees, 255), "255 features")
	assert.Nil(t, packTrees(f.trees, 256), "256 features: feature 255 could equal a row key's low byte")
	f.trees[0].Nodes[0].Threshold = math.Nextafter(f.trees[0].Nodes[0].Threshold, 0)
	assert.Nil(t, packTrees(f.trees, f.numFeatures), "a threshold off the grid")
}

// TestPackedRoundTrip checks that a saved forest is packed again when it is
// read back and scores the same.
func TestPackedRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	X := mat.NewDense(500, 4, nil)
	for i := range 500 {
		for j := range 4 {
			X.Set(i, j, rng.NormFloat64())
		}
	}
	f, err := Fit(context.Background(), X, Config{Seed: 3})
	require.NoError(t, err)
	b, err := f.MarshalBinary()
	require.NoError(t, err)
	var g Forest
	require.NoError(t, g.UnmarshalBinary(b))
	require.NotNil(t, g.packed)
	assert.Equal(t, f.packed, g.packed)
	for i := range 500 {
		s, err := f.Score(X.RawRowView(i))
		require.NoError(t, err)
		s2, err := g.Score(X.RawRowView(i))
		require.NoError(t, err)
		require.Equal(t, s, s2)
	}
}

// TestFillKeysFinite checks the SSE2 fill (on amd64) against the Go loop:
// the same keys for edge values and random ones, every length from 0 to 40
// (odd ones end in the Go loop), and the same verdict on ±Inf and NaN
// wherever they sit.
func TestFillKeysFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	values := append([]float64{math.NaN(), math.Inf(1), math.Inf(-1)}, edgeValues...)
	for n := range 41 {
		for trial := range 20 {
			x := make([]float64, n)
			for j := range x {
				switch rng.IntN(3) {
				case 0:
					x[j] = values[rng.IntN(len(values))]
				case 1:
					x[j] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
				default:
					x[j] = math.Float64frombits(rng.Uint64())
				}
			}
			if trial%2 == 0 { // half the rows finite
				for j, v := range x {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						x[j] = 1
					}
				}
			}
			var got, want rowKeys
			ok := fillKeysFinite(&got, x)
			func() {
				defer func(old bool) { useAsm = old }(useAsm)
				useAsm = false
				require.Equal(t, ok, fillKeysFinite(&want, x), "%d values: %v", n, x)
			}()
			require.Equal(t, want, got, "%d values: %v", n, x)
			require.Equal(t, firstNonFinite(x) < 0, ok, "%d values: %v", n, x)
			for j, v := range x {
				require.Equal(t, rowKey(v), got[j], "value %v", v)
			}
		}
	}
}
