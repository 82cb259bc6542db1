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
// TreeSHAP give the Go passes' values bit for bit, on shallow and deep
// trees with repeated features, NaN, categorical splits and zero covers.
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
		e, err := NewEnsemble(trees, spec.features, nil)
		require.NoError(t, err)
		for i := range e.trees {
			if l := e.trees[i].lin; l != nil {
				points[l.n] = true
			}
		}
		x, err := e.Explainer(randWeights(rng, trees))
		require.NoError(t, err)
		asm := make([]float64, spec.features)
		gov := make([]float64, spec.features)
		for r := 0; r < 20; r++ {
			row := genRow(rng, spec.features, 0.1)
			_, err := x.Explain(row, asm)
			require.NoError(t, err)
			useAVX2 = false
			_, err = x.Explain(row, gov)
			useAVX2 = true
			require.NoError(t, err)
			require.Equal(t, gov, asm, "spec %+v row %d", spec, r)
		}
	}
	assert.Equal(t, map[int]bool{4: true, 8: true, 12: true, 16: true}, points, "points counts covered")
}

// TestLinearLayout checks the offsets linear_amd64.s assumes of linRec,
// linArgs and the factor table.
func TestLinearLayout(t *testing.T) {
	var r linRec
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"ocl", unsafe.Offsetof(r.ocl), 0},
		{"ocr", unsafe.Offsetof(r.ocr), 4},
		{"feat", unsafe.Offsetof(r.feat), 8},
		{"opn", unsafe.Offsetof(r.opn), 12},
		{"pn", unsafe.Offsetof(r.pn), 16},
		{"prev", unsafe.Offsetof(r.prev), 20},
		{"cl", unsafe.Offsetof(r.cl), 24},
		{"cr", unsafe.Offsetof(r.cr), 28},
		{"ac", unsafe.Offsetof(r.ac), 32},
		{"ap", unsafe.Offsetof(r.ap), 56},
		{"linRec size", unsafe.Sizeof(r), 64},
		{"factor entry", linFactors * 8, 96},
		{"factor entry without linNone", linFactors1 * 8, 64},
		{"linDown size", unsafe.Sizeof(linDown{}), 32},
		{"state stride", 4 * 8, 32},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
	// linDown has thr, ndl and cat, and linRec's feat, pn, prev, cl and
	// cr at the same offsets.
	var d linDown
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"thr", unsafe.Offsetof(d.thr), 0},
		{"ndl", unsafe.Offsetof(d.ndl), 12},
		{"cat", unsafe.Offsetof(d.cat), 13},
		{"feat", unsafe.Offsetof(d.feat), unsafe.Offsetof(r.feat)},
		{"pn", unsafe.Offsetof(d.pn), unsafe.Offsetof(r.pn)},
		{"prev", unsafe.Offsetof(d.prev), unsafe.Offsetof(r.prev)},
		{"cl", unsafe.Offsetof(d.cl), unsafe.Offsetof(r.cl)},
		{"cr", unsafe.Offsetof(d.cr), unsafe.Offsetof(r.cr)},
	} {
		assert.Equal(t, c.want, c.got, "linDown."+c.name)
	}
	var a linArgs
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"rec", unsafe.Offsetof(a.rec), 0},
		{"nrec", unsafe.Offsetof(a.nrec), 8},
		{"row", unsafe.Offsetof(a.row), 16},
		{"left", unsafe.Offsetof(a.left), 24},
		{"fac", unsafe.Offsetof(a.fac), 32},
		{"p", unsafe.Offsetof(a.p), 40},
		{"o", unsafe.Offsetof(a.o), 48},
		{"r", unsafe.Offsetof(a.r), 56},
		{"phv", unsafe.Offsetof(a.phv), 64},
		{"tk", unsafe.Offsetof(a.tk), 72},
		{"n", unsafe.Offsetof(a.n), 80},
		{"st", unsafe.Offsetof(a.st), 88},
		{"nn", unsafe.Offsetof(a.nn), 96},
		{"stride", unsafe.Offsetof(a.stride), 104},
		{"down", unsafe.Offsetof(a.down), 128},
		{"segs", unsafe.Offsetof(a.segs), 136},
		{"nseg", unsafe.Offsetof(a.nseg), 144},
		{"usegs", unsafe.Offsetof(a.usegs), 160},
		{"nuseg", unsafe.Offsetof(a.nuseg), 168},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
}
