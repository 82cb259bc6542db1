package forest

import (
	"context"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/nsltest"
)

// BenchmarkBatchWalk scores KDDTest+ on one goroutine with the assembly
// batch walk and with the Go walk (a forest of 100 trees grown on
// KDDTrain+_20Percent), to measure what the kernel is worth on the machine
// at hand:
//
//	NSLKDD_DIR=… go test -run '^$' -bench BatchWalk -cpu 1 ./forest/
func BenchmarkBatchWalk(b *testing.B) {
	train := nsltest.Load(b, nsltest.Train20)
	test := nsltest.Load(b, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(train, test)
	f, err := Fit(context.Background(), xtr, nsltest.Binary(train), Config{Seed: 0})
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkBatchProba is BenchmarkBatchWalk for PredictProbaBatch.
func BenchmarkBatchProba(b *testing.B) {
	train := nsltest.Load(b, nsltest.Train20)
	test := nsltest.Load(b, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(train, test)
	f, err := Fit(context.Background(), xtr, nsltest.Binary(train), Config{Seed: 0})
	if err != nil {
		b.Fatal(err)
	}
	n, _ := xte.Dims()
	var dst mat.Dense
	for b.Loop() {
		if err := f.PredictProbaBatch(xte, &dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
}
