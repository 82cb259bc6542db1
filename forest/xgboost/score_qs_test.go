package xgboost

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/tree"
)

// randomTree grows a tree of leaves leaves by splitting a random leaf above
// maxDepth, on features below nfeat at conditions drawn from conds (so that
// values equal to a condition occur), with leaf values in [−1, 1).
func randomTree(rng *rand.Rand, nfeat, maxDepth, leaves int, conds []float32) tree.Tree {
	t := tree.Tree{Outputs: 1, Nodes: []tree.Node{{Feature: -1}}, Values: []float64{0}}
	depth := []int{0}
	for n := 1; n < leaves; n++ {
		var open []int32
		for i, nd := range t.Nodes {
			if nd.Feature < 0 && depth[i] < maxDepth {
				open = append(open, int32(i))
			}
		}
		if len(open) == 0 {
			break
		}
		j := open[rng.IntN(len(open))]
		l := int32(len(t.Nodes))
		t.Nodes[j] = tree.Node{Feature: int32(rng.IntN(nfeat)), Threshold: threshold32(conds[rng.IntN(len(conds))]), Left: l, Right: l + 1}
		t.Nodes = append(t.Nodes, tree.Node{Feature: -1}, tree.Node{Feature: -1})
		t.Values = append(t.Values, 0, 0)
		depth = append(depth, depth[j]+1, depth[j]+1)
	}
	for i, nd := range t.Nodes {
		if nd.Feature < 0 {
			t.Values[i] = float64(float32(rng.Float64()*2 - 1))
		}
	}
	return t
}

// blockSums returns the sums addBlock gives the rows xs (column-major,
// levelBlock rows) from base, through the bit-vector walk when qs is true
// and the Go walk otherwise.
func blockSums(l *levels, xs []float32, base float32, qs bool) []float32 {
	defer func(a, q bool) { levelAsm, useQS = a, q }(levelAsm, useQS)
	levelAsm, useQS = qs, qs
	acc := make([]float32, levelBlock)
	for i := range acc {
		acc[i] = base
	}
	l.addBlock(acc, xs)
	return acc
}

// TestQSMatchesWalkRandom checks the bit-vector walk against the Go walk of
// the levels layout and the one-row walk, bit for bit, on random ensembles
// of every leaf table size (up to 16, 32 and 64 leaves), depths 1 to 8,
// single-leaf trees among others and feature counts around the 8-column
// chunks, on rows of values at, around and far from the conditions.
func TestQSMatchesWalkRandom(t *testing.T) {
	if !qsAsm {
		t.Skip("no AVX-512: the bit-vector walk is not used")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	conds := []float32{0, 0.5, 1, -1, 3.25, 1e-3, 1e6, float32(math.Inf(1)), float32(math.Inf(-1))}
	var vals []float32
	for _, c := range conds {
		vals = append(vals, c, math.Nextafter32(c, float32(math.Inf(1))), math.Nextafter32(c, float32(math.Inf(-1))))
	}
	for _, tc := range []struct {
		name                     string
		nfeat, depth, leaves, nt int
	}{
		{"16 leaves", 5, 4, 16, 9},
		{"32 leaves", 13, 6, 32, 8},
		{"64 leaves", 17, 6, 64, 7},
		{"mixed, deep", 9, 8, 0, 30},
		{"stumps", 1, 1, 2, 5},
		{"single leaves among stumps", 3, 1, -1, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trees := make([]tree.Tree, tc.nt)
			for i := range trees {
				leaves := tc.leaves
				switch leaves {
				case 0:
					leaves = 1 + rng.IntN(qsMaxLeaves)
				case -1:
					leaves = 1 + rng.IntN(2)
				}
				trees[i] = randomTree(rng, tc.nfeat, tc.depth, leaves, conds)
			}
			l := newLevels(trees, tc.nfeat)
			require.NotNil(t, l)
			require.NotNil(t, l.qs)
			xs := make([]float32, levelBlock*tc.nfeat)
			rows := make([][]float32, levelBlock)
			for r := range rows {
				rows[r] = make([]float32, tc.nfeat)
				for f := range rows[r] {
					v := vals[rng.IntN(len(vals))]
					if rng.IntN(4) == 0 {
						v = float32(rng.NormFloat64() * 4)
					}
					rows[r][f], xs[f*levelBlock+r] = v, v
				}
			}
			got := blockSums(l, xs, 0.25, true)
			want := blockSums(l, xs, 0.25, false)
			for r := range rows {
				require.Equal(t, math.Float32bits(want[r]), math.Float32bits(got[r]), "row %d", r)
				require.Equal(t, math.Float32bits(l.add(0.25, rows[r])), math.Float32bits(got[r]), "row %d", r)
			}
		})
	}
}

// TestQSLayout checks the stream of a hand-built tree: root on feature 0
// at 1, its left child a leaf (5), its right child on feature 1 at 2 with
// leaves 6 and 7. Leaves left to right are bits 31, 30, 29; going right at
// the root clears leaf 0, at the second split leaf 1.
func TestQSLayout(t *testing.T) {
	if !qsAsm {
		t.Skip("no AVX-512: the bit-vector layout is not built")
	}
	tr := threeLeafTree()
	qs := newQS([]tree.Tree{tr})
	want := []uint32{2, 0, 0, 0,
		0, math.Float32bits(1), 0x7fffffff,
		1 * levelBlock, math.Float32bits(2), 0xbfffffff,
		math.Float32bits(5), math.Float32bits(6), math.Float32bits(7)}
	want = append(want, make([]uint32, 13)...)
	assert.Equal(t, want, qs)
	assert.Len(t, qs, qsSize([]tree.Tree{tr}))
}

// TestQSRefused checks that a tree of more than qsMaxLeaves leaves leaves
// the ensemble without the bit-vector layout, scored by the other walks.
func TestQSRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	big := randomTree(rng, 4, 8, qsMaxLeaves+1, []float32{0, 1, 2})
	small := randomTree(rng, 4, 3, 8, []float32{0, 1, 2})
	assert.Zero(t, qsSize([]tree.Tree{small, big}))
	assert.Nil(t, newQS([]tree.Tree{small, big}))
	l := newLevels([]tree.Tree{small, big}, 4)
	require.NotNil(t, l)
	assert.Nil(t, l.qs)
}

// TestToBlock16 checks the conversion of 16 rows into a column-major block
// against float32(v) value by value, for feature counts 1 to 27 (whole and
// partial chunks of 8), NaN in one row at a time, at every position, and
// the zeros written past the last feature.
func TestToBlock16(t *testing.T) {
	if !qsAsm {
		t.Skip("no AVX-512: toBlock16 is not used")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 1e300, -1e300, math.MaxFloat32,
		float64(math.MaxFloat32) * (1 + 0x1p-25), 0x1p-149, 0x1p-150, 1 + 0x1p-24, 1 + 0x1p-24 + 0x1p-52}
	for nf := 1; nf <= 27; nf++ {
		stride := nf + rng.IntN(3)
		data := make([]float64, 16*stride)
		for i := range data {
			data[i] = rng.NormFloat64() * 1e3
			if rng.IntN(3) == 0 {
				data[i] = special[rng.IntN(len(special))]
			}
		}
		for nanRow := -1; nanRow < 16; nanRow++ {
			var nanAt int
			if nanRow >= 0 {
				nanAt = rng.IntN(nf)
				data[nanRow*stride+nanAt] = math.NaN()
			}
			var rows [16]unsafe.Pointer
			for r := range rows {
				rows[r] = unsafe.Pointer(&data[r*stride])
			}
			cols := (nf + 7) / 8 * 8
			xs := make([]float32, cols*levelBlock)
			for i := range xs {
				xs[i] = 42
			}
			got := toBlock16(&xs[16], &rows[0], nf)
			var want uint16
			if nanRow >= 0 {
				want = 1 << nanRow
			}
			require.Equal(t, want, got, "nf %d, NaN in row %d", nf, nanRow)
			for f := range cols {
				for r := range 16 {
					w := float32(0)
					if f < nf {
						w = float32(data[r*stride+f])
					}
					g := xs[f*levelBlock+16+r]
					if w != w {
						require.True(t, g != g, "nf %d feature %d row %d", nf, f, r)
						continue
					}
					require.Equal(t, math.Float32bits(w), math.Float32bits(g), "nf %d feature %d row %d", nf, f, r)
				}
				assert.Equal(t, float32(42), xs[f*levelBlock+15], "lane before the chunk")
				assert.Equal(t, float32(42), xs[f*levelBlock+32], "lane after the chunk")
			}
			if nanRow >= 0 {
				data[nanRow*stride+nanAt] = 1
			}
		}
	}
}

// TestSigmoid64 checks sigmoid64 against sigmoid bit for bit on every lane
// it does not leave to the caller: about 4.3 million float32 bit patterns
// spread over the whole range (NaN, infinities and subnormals among them),
// every 7th float32 value of [1, 2) scaled into the ranges where the
// sigmoid is neither 0 nor 1, and the edges of min(−x, 88.7) (61 times
// fewer under -short and -race). It also checks
// that NaN lanes are left to the caller and that few others are. With
// XGBOOST_SIGMOID_ALL=1 it checks every float32 of magnitude up to 110
// instead (2.2 billion values, about 30 s; beyond 110 the result is
// constant).
func TestSigmoid64(t *testing.T) {
	if !qsAsm {
		t.Skip("no AVX-512: sigmoid64 is not used")
	}
	var acc, out [64]float32
	k, n, slow, nanSlow := 0, 0, 0, 0
	flush := func() {
		s := sigmoid64(&acc[0], &out[0])
		for j := range k {
			n++
			x := acc[j]
			if s>>j&1 != 0 {
				slow++
				if x != x {
					nanSlow++
				}
				continue
			}
			if x != x {
				t.Fatalf("NaN margin not left to the caller")
			}
			if w := sigmoid(x); math.Float32bits(w) != math.Float32bits(out[j]) {
				t.Fatalf("margin %v (%#x): sigmoid64 %v, sigmoid %v", x, math.Float32bits(x), out[j], w)
			}
		}
		k = 0
	}
	add := func(x float32) {
		acc[k] = x
		if k++; k == len(acc) {
			flush()
		}
	}
	if os.Getenv("XGBOOST_SIGMOID_ALL") == "1" {
		lim := math.Float32bits(110)
		for _, sign := range []uint32{0, 1 << 31} {
			for u := uint32(0); u <= lim; u++ {
				add(math.Float32frombits(sign | u))
			}
		}
	} else {
		step := uint32(1)
		if testing.Short() || raceOn {
			step = 61
		}
		for u := uint64(0); u < 1<<32; u += 997 * uint64(step) {
			add(math.Float32frombits(uint32(u)))
		}
		for _, scale := range []float32{-64, -8, -1, 1, 8, 64} {
			for u := math.Float32bits(1); u < math.Float32bits(2); u += 7 * step {
				add(math.Float32frombits(u) * scale)
			}
		}
		edge := float32(-88.7)
		for range 1000 {
			add(edge)
			edge = math.Nextafter32(edge, 0)
		}
		for _, x := range []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, 0x1p-149} {
			add(x)
		}
	}
	if k > 0 {
		for j := k; j < len(acc); j++ {
			acc[j] = 0
		}
		flush()
	}
	t.Logf("%d margins, %d left to the caller (%d NaN)", n, slow, nanSlow)
	assert.Less(t, slow-nanSlow, n/10000+10, "too many margins left to the caller")
}
