package iforest

import (
	"context"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/nsltest"
)

// BenchmarkPackedWalk scores KDDTest+ on one goroutine through the packed
// layout with the assembly kernels and with the Go walk, to measure what
// the kernels are worth on the machine at hand:
//
//	NSLKDD_DIR=… go test -run '^$' -bench PackedWalk ./iforest/
func BenchmarkPackedWalk(b *testing.B) {
	tr := nsltest.Load(b, nsltest.Train20)
	te := nsltest.Load(b, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(tr, te)
	var rows []float64
	for i, y := range nsltest.Binary(tr) {
		if y == 0 {
			rows = append(rows, xtr.RawRowView(i)...)
		}
	}
	_, d := xtr.Dims()
	f, err := Fit(context.Background(), mat.NewDense(len(rows)/d, d, rows), Config{})
	if err != nil {
		b.Fatal(err)
	}
	if f.packed == nil {
		b.Fatal("the forest is not packed")
	}
	n, _ := xte.Dims()
	dst := make([]float64, n)
	raw := xte.RawMatrix()
	src := batchRows{x: raw.Data, d: raw.Cols, stride: raw.Stride}
	for _, asm := range []bool{true, false} {
		name := "walk=go"
		if asm {
			name = "walk=asm"
		}
		b.Run(name, func(b *testing.B) {
			if asm && !useAsm {
				b.Skip("no assembly kernel on this machine")
			}
			defer func(old bool) { useAsm = old }(useAsm)
			useAsm = asm
			for b.Loop() {
				if err := f.scoreRangePacked(context.Background(), 0, n, &src, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
		})
	}
}
