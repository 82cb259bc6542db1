package forest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// kddForest returns a forest of 100 trees grown on KDDTrain+_20Percent
// (seed 0) and KDDTest+ in the same encoding, for the benchmarks of the
// batch walk; it skips without $NSLKDD_DIR.
func kddForest(b *testing.B) (*Forest, *mat.Dense) {
	b.Helper()
	train := nsltest.Load(b, nsltest.Train20)
	test := nsltest.Load(b, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(train, test)
	f, err := Fit(context.Background(), xtr, nsltest.Binary(train), Config{Seed: 0})
	if err != nil {
		b.Fatal(err)
	}
	return f, xte
}

// BenchmarkBatchWalk scores KDDTest+ on one goroutine with the assembly
// batch walk and with the Go walk (a forest of 100 trees grown on
// KDDTrain+_20Percent), to measure what the kernel is worth on the machine
// at hand:
//
//	NSLKDD_DIR=… go test -run '^$' -bench BatchWalk -cpu 1 ./forest/
func BenchmarkBatchWalk(b *testing.B) {
	f, xte := kddForest(b)
	n, _ := xte.Dims()
	dst := make([]float64, n)
	for _, asm := range []bool{true, false} {
		name := "walk=go"
		if asm {
			name = "walk=asm"
		}
		b.Run(name, func(b *testing.B) {
			if asm && !useAsm {
				b.Skip("no assembly walk on this machine")
			}
			defer func(old bool) { useAsm = old }(useAsm)
			useAsm = asm
			for b.Loop() {
				if err := f.ScoreMatrix(context.Background(), xte, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}

// BenchmarkBatchOrder scores on one goroutine with ScoreMatrix, each
// window walked in the order of its rows' leaves (order.go) and in its own
// order, to measure what the ordering is worth, on three data sets:
// KDDTest+ and all of KDDTrain+ scored by kddForest, and 30,000 synthetic
// rows (dataset.Synthetic) scored by a forest grown on 20,000 others.
//
//	NSLKDD_DIR=… go test -run '^$' -bench BatchOrder -cpu 1 ./forest/
func BenchmarkBatchOrder(b *testing.B) {
	f, xte := kddForest(b)
	train := nsltest.Load(b, nsltest.Train20)
	_, xall, _ := nsltest.Encode(train, nsltest.Load(b, nsltest.Train))
	st, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 20000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	se, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 30000, Seed: 2})
	if err != nil {
		b.Fatal(err)
	}
	xs, xse, _ := nsltest.Encode(st, se)
	g, err := Fit(context.Background(), xs, nsltest.Binary(st), Config{Seed: 0})
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		f    *Forest
		x    *mat.Dense
	}{{"test", f, xte}, {"train", f, xall}, {"synthetic", g, xse}} {
		n, _ := d.x.Dims()
		dst := make([]float64, n)
		for _, order := range []bool{true, false} {
			b.Run(fmt.Sprintf("data=%s/order=%v", d.name, order), func(b *testing.B) {
				defer func(old bool) { orderRows = old }(orderRows)
				orderRows = order
				for b.Loop() {
					if err := d.f.ScoreMatrix(context.Background(), d.x, dst); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
		}
	}
}

// TestOrderCutsRounds counts the lock-step rounds of the batch walk on
// KDDTest+ with kddForest's trees (a group of eight takes one round more
// than its deepest row's depth), in the rows' own order and with each
// window ordered as batches order it, and checks that the ordering cuts
// them; -v prints both (15.4 and 12.0 when written).
func TestOrderCutsRounds(t *testing.T) {
	train := nsltest.Load(t, nsltest.Train20)
	test := nsltest.Load(t, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(train, test)
	f, err := Fit(context.Background(), xtr, nsltest.Binary(train), Config{Seed: 0})
	require.NoError(t, err)
	s := &f.sc
	n, p := xte.Dims()
	keys := make([]uint64, n*p)
	for i := range n {
		require.Equal(t, -1, toKeys(xte.RawRowView(i), keys[i*p:(i+1)*p]))
	}
	depths := make([][]int, len(s.roots)) // depths[t][row]
	for t, root := range s.roots {
		depths[t] = make([]int, n)
		for i := range n {
			x := keys[i*p : (i+1)*p]
			d, j := 0, root
			for s.nodes[j].rel != 0 {
				nd := &s.nodes[j]
				j += nd.rel>>nodeShift + b2i(x[nd.foff>>featShift] > nd.key)
				d++
			}
			depths[t][i] = d
		}
	}
	rounds := func(order []int) float64 {
		total := 0
		for t := range s.roots {
			for g := 0; g < n; g += lanes {
				deepest := 0
				for _, i := range order[g:min(g+lanes, n)] {
					deepest = max(deepest, depths[t][i])
				}
				total += deepest + 1
			}
		}
		return float64(total) * lanes / float64(n) / float64(len(s.roots))
	}
	natural, ordered := make([]int, n), make([]int, n)
	sk, tmp := make([]uint64, windowRows), make([]uint64, windowRows)
	for w0 := 0; w0 < n; w0 += windowRows {
		rows := ordered[w0:min(w0+windowRows, n)]
		s.orderWindow(keys[w0*p:], p, rows, sk, tmp)
		for r := range rows {
			natural[w0+r] = w0 + r
			rows[r] += w0
		}
	}
	rn, ro := rounds(natural), rounds(ordered)
	t.Logf("lock-step rounds a walk: %.2f in the rows' order, %.2f ordered", rn, ro)
	require.Less(t, ro, 0.9*rn)
}

// BenchmarkBatchProba is BenchmarkBatchWalk for PredictProbaBatch.
func BenchmarkBatchProba(b *testing.B) {
	f, xte := kddForest(b)
	n, _ := xte.Dims()
	var dst mat.Dense
	for b.Loop() {
		if err := f.PredictProbaBatch(xte, &dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}

// TestToKeys checks the SSE2 keys (on amd64) against the Go loop: edge
// values, random bit patterns, every length from 0 to 40, and the first NaN.
func TestToKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	edge := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN(), 1, -1}
	for n := range 41 {
		for range 20 {
			x := make([]float64, n)
			for j := range x {
				switch rng.IntN(3) {
				case 0:
					x[j] = edge[rng.IntN(len(edge))]
				case 1:
					x[j] = rng.NormFloat64()
				default:
					x[j] = math.Float64frombits(rng.Uint64())
				}
			}
			got, want := make([]uint64, n), make([]uint64, n)
			first := toKeys(x, got)
			func() {
				defer func(old bool) { useAsm = old }(useAsm)
				useAsm = false
				require.Equal(t, toKeys(x, want), first, "%v", x)
			}()
			wantFirst := -1
			for j, v := range x {
				if v != v {
					wantFirst = j
					break
				}
			}
			require.Equal(t, wantFirst, first, "%v", x)
			if first < 0 {
				require.Equal(t, want, got, "%v", x)
			}
		}
	}
}

// TestCheckSize checks the limits of the scoring form on node counts alone
// (trees that large do not fit in a test's memory).
func TestCheckSize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int
		err   string
	}{
		{"small", []int{1, 3, 5}, ""},
		{"largest tree", []int{MaxTreeNodes, 1}, ""},
		{"tree too large", []int{3, MaxTreeNodes + 1}, "tree 1 has"},
		{"forest at the limit", []int{MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes - 1, 16}, ""},
		{"forest too large", []int{MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, MaxTreeNodes, 16}, "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSize(len(tc.sizes), func(i int) int { return tc.sizes[i] })
			if tc.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.err)
			}
		})
	}
}

// TestRadixSort checks radixSort against a comparison sort of the same
// bits, stable on the bits below, for bit ranges that end inside a digit
// and on one.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ n, from, to int }{
		{0, 12, 20}, {1, 12, 20}, {100, 12, 23}, {4080, 12, 51}, {3000, 12, 64}, {777, 0, 11}, {500, 12, 13},
	} {
		keys := make([]uint64, tc.n)
		for i := range keys {
			keys[i] = rng.Uint64()
			if tc.to < 64 {
				keys[i] &= 1<<tc.to - 1
			}
			if i%3 == 0 && i > 0 { // equal sort bits, different low bits
				keys[i] = keys[i-1]&^(1<<tc.from-1) | keys[i]&(1<<tc.from-1)
			}
		}
		want := slices.Clone(keys)
		hi := func(v uint64) uint64 { return v >> tc.from }
		slices.SortStableFunc(want, func(a, b uint64) int { return cmp.Compare(hi(a), hi(b)) })
		got := radixSort(slices.Clone(keys), make([]uint64, tc.n), tc.from, tc.to)
		require.Equal(t, want, got, "%+v", tc)
	}
}

// TestWindowRows checks the window bounds: at most windowRows rows, their
// numbers within windowBits bits, at most windowBytes of keys unless a
// block alone is larger, and at least a block.
func TestWindowRows(t *testing.T) {
	require.Less(t, windowRows, 1<<windowBits)
	for _, p := range []int{1, 5, 118, 1000, 50000, 1 << 20} {
		w := windowRowsFor(p)
		require.LessOrEqual(t, w, windowRows)
		require.GreaterOrEqual(t, w, blockRows)
		if w > blockRows {
			require.LessOrEqual(t, w*p*8, windowBytes)
		}
	}
}
