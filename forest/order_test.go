package forest_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/errs"
)

// TestBatchWindows checks batches of several windows (rows walked in the
// order of their leaves, see order.go) against Score and PredictProba row
// by row: with the ordering on and off, the assembly and the Go walk, one
// goroutine and two, a *mat.Dense and a matrix read through At, two and
// three classes; and that the first NaN reported is the lowest row's when
// a later window has an earlier one in walk order.
func TestBatchWindows(t *testing.T) {
	for _, k := range []int{2, 3} {
		X, y := blobs(600, 5, k, 1, 21)
		f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 11, Seed: 4})
		require.NoError(t, err)
		n := 2*forest.WindowRows(5) + 777
		E := edgeRows(f, n, 8)
		want := make([]float64, n)
		wantP := mat.NewDense(n, k, nil)
		for i := range n {
			s, err := f.Score(E.RawRowView(i))
			require.NoError(t, err)
			want[i] = s
			require.NoError(t, f.PredictProba(E.RawRowView(i), wantP.RawRowView(i)))
		}
		for _, order := range []bool{true, false} {
			for _, asm := range []bool{true, false} {
				for _, procs := range []int{1, 2} {
					for _, dense := range []bool{true, false} {
						name := fmt.Sprintf("k=%d/order=%v/asm=%v/procs=%d/dense=%v", k, order, asm, procs, dense)
						t.Run(name, func(t *testing.T) {
							defer forest.OrderRows(order)()
							defer forest.UseAsm(asm)()
							defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
							var m mat.Matrix = E
							if !dense {
								m = E.T().T()
							}
							got := make([]float64, n)
							require.NoError(t, f.ScoreMatrix(context.Background(), m, got))
							require.Equal(t, want, got)
							var p mat.Dense
							require.NoError(t, f.PredictProbaBatch(m, &p))
							require.Equal(t, wantP.RawMatrix().Data, p.RawMatrix().Data)
						})
					}
				}
			}
		}
		bad := mat.DenseCopyOf(E)
		w := forest.WindowRows(5)
		bad.Set(2*w+5, 0, math.NaN())
		bad.Set(w+w/2, 4, math.NaN())
		bad.Set(w+w/2+1, 1, math.NaN())
		for _, procs := range []int{1, 2} {
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				err := f.ScoreMatrix(context.Background(), bad, make([]float64, n))
				require.ErrorIs(t, err, errs.ErrNaN)
				require.ErrorContains(t, err, fmt.Sprintf("row %d: feature 4 is NaN", w+w/2))
			}()
		}
	}
}
