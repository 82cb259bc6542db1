package tree

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGaussRule checks the quadrature rules against the moments of [0, 1]:
// an n-point rule integrates t^k exactly (to rounding) for k < 2n.
func TestGaussRule(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 8, 12, 16, 32} {
		g := gaussRule(n)
		for k := 0; k < 2*n; k++ {
			s := 0.0
			for j := range g.t {
				s += g.w[j] * math.Pow(g.t[j], float64(k))
			}
			assert.InDelta(t, 1/float64(k+1), s, 1e-14, "n %d, t^%d", n, k)
		}
	}
}

// TestLinearAsmMatchesGo checks that the assembly passes of Linear
// TreeSHAP give the Go passes' values bit for bit, with tables of
// reciprocals and without, on shallow and deep trees with repeated
// features, NaN, categorical splits and zero covers.
func TestLinearAsmMatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no assembly passes on this machine or build (purego, or no AVX2)")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	points := map[int]bool{} // the assembly has its own code for 8 and 12 points
	for _, spec := range []genSpec{
		{features: 30, depth: 6, outputs: 1, leafProb: 0.05, catProb: 0.1, zeroProb: 0.05},
		{features: 5, depth: 14, outputs: 2, leafProb: 0.2, catProb: 0.1},
		{features: 118, depth: 30, outputs: 2, minCover: 40, root: 25000},
		{features: 7, depth: 8, outputs: 1, leafProb: 0.1, loose: true},
		{features: 12, depth: 10, outputs: 1, leafProb: 0.1, catProb: 0.05},
		{features: 118, depth: 22, outputs: 1, leafProb: 0.3, spine: true, catProb: 0.05},
		{features: 118, depth: 30, outputs: 1, leafProb: 0.3, spine: true},
	} {
		trees := make([]Tree, 5)
		for i := range trees {
			trees[i] = genTree(rng, spec)
		}
		w := randWeights(rng, trees)
		rows := make([][]float64, 20)
		for r := range rows {
			rows[r] = genRow(rng, spec.features, 0.1)
		}
		// Reciprocals computed, and from a table: the same values.
		computed := testLinearAsmMatchesGo(t, spec, trees, w, rows, points, -1)
		tabled := testLinearAsmMatchesGo(t, spec, trees, w, rows, points, 1<<30)
		require.Equal(t, tabled, computed, "spec %+v: with and without tables", spec)
	}
	assert.Equal(t, map[int]bool{4: true, 8: true, 12: true, 16: true}, points, "points counts covered")
}

// testLinearAsmMatchesGo is TestLinearAsmMatchesGo for one ensemble,
// with reciprocal tables within budget, recording the points counts of
// its trees in points; it returns the values.
func testLinearAsmMatchesGo(t *testing.T, spec genSpec, trees []Tree, w [][]float64, rows [][]float64, points map[int]bool, budget int) [][]float64 {
	e, err := NewEnsemble(trees, spec.features, &Options{ReciprocalBudget: budget})
	require.NoError(t, err)
	for i := range e.trees {
		if l := e.trees[i].lin; l != nil {
			points[l.n] = true
			require.Equal(t, budget > 0, l.r != nil, "table")
		}
	}
	x, err := e.Explainer(w)
	require.NoError(t, err)
	var out [][]float64
	for r, row := range rows {
		asm := make([]float64, spec.features)
		gov := make([]float64, spec.features)
		_, err := x.Explain(row, asm)
		require.NoError(t, err)
		useAVX2 = false
		_, err = x.Explain(row, gov)
		useAVX2 = true
		require.NoError(t, err)
		require.Equal(t, gov, asm, "spec %+v row %d, reciprocal budget %d", spec, r, budget)
		out = append(out, asm)
	}
	return out
}

// TestLinearLayout checks the offsets linear_amd64.s assumes of linRec,
// linDown, linArgs and the factor table.
func TestLinearLayout(t *testing.T) {
	var r linRec
	var d linDown
	var a linArgs
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"linRec.ocl", unsafe.Offsetof(r.ocl), 0},
		{"linRec.ocr", unsafe.Offsetof(r.ocr), 4},
		{"linRec.foff", unsafe.Offsetof(r.foff), 8},
		{"linRec.opn", unsafe.Offsetof(r.opn), 12},
		{"linRec.pn", unsafe.Offsetof(r.pn), 16},
		{"linRec.oprv", unsafe.Offsetof(r.oprv), 20},
		{"linRec.ac", unsafe.Offsetof(r.ac), 32},
		{"linRec.ap", unsafe.Offsetof(r.ap), 56},
		{"linRec size", unsafe.Sizeof(r), 64},
		{"factor entry", linFactors * 8, 96},
		{"factor entry without linNone", linFactors1 * 8, 64},
		{"state stride", 4 * 8, 32},
		{"linDown.thr", unsafe.Offsetof(d.thr), 0},
		{"linDown.feat", unsafe.Offsetof(d.feat), 8},
		{"linDown.ndl", unsafe.Offsetof(d.ndl), 12},
		{"linDown.cat", unsafe.Offsetof(d.cat), 13},
		{"linDown.pn", unsafe.Offsetof(d.pn), 16},
		{"linDown.prev", unsafe.Offsetof(d.prev), 20},
		{"linDown.cl", unsafe.Offsetof(d.cl), 24},
		{"linDown.cr", unsafe.Offsetof(d.cr), 28},
		{"linDown.zl", unsafe.Offsetof(d.zl), 32},
		{"linDown.zr", unsafe.Offsetof(d.zr), 40},
		{"linDown size", unsafe.Sizeof(d), 48},
		{"linArgs.rec", unsafe.Offsetof(a.rec), 0},
		{"linArgs.row", unsafe.Offsetof(a.row), 16},
		{"linArgs.left", unsafe.Offsetof(a.left), 24},
		{"linArgs.fac", unsafe.Offsetof(a.fac), 32},
		{"linArgs.p", unsafe.Offsetof(a.p), 40},
		{"linArgs.o", unsafe.Offsetof(a.o), 48},
		{"linArgs.phv", unsafe.Offsetof(a.phv), 56},
		{"linArgs.tk", unsafe.Offsetof(a.tk), 64},
		{"linArgs.n", unsafe.Offsetof(a.n), 72},
		{"linArgs.st", unsafe.Offsetof(a.st), 80},
		{"linArgs.nn", unsafe.Offsetof(a.nn), 88},
		{"linArgs.down", unsafe.Offsetof(a.down), 120},
		{"linArgs.segs", unsafe.Offsetof(a.segs), 128},
		{"linArgs.nseg", unsafe.Offsetof(a.nseg), 136},
		{"linArgs.usegs", unsafe.Offsetof(a.usegs), 152},
		{"linArgs.nuseg", unsafe.Offsetof(a.nuseg), 160},
		{"linArgs.r", unsafe.Offsetof(a.r), 168},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
}
