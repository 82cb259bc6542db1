package forest_test

import (
	"context"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// TestFitMemoryFullTrain measures the heap that Fit needs on the full
// KDDTrain+ (125,973 × 122 float64 values, 123 MB as a matrix): the peak
// live heap during Fit above the heap before it, sampled every 2 ms, and
// the bytes Fit allocates. It runs only with FOREST_MEMTEST=1 (it takes a
// minute and measures more than it checks):
//
//	FOREST_MEMTEST=1 NSLKDD_DIR=… go test -run TestFitMemoryFullTrain -v ./forest/
//
// The exact splitter keeps one column-major copy of X (n·p·8 bytes); the
// histogram splitter one byte per value.
func TestFitMemoryFullTrain(t *testing.T) {
	if os.Getenv("FOREST_MEMTEST") == "" {
		t.Skip("set FOREST_MEMTEST=1 (and NSLKDD_DIR) to measure Fit's memory on the full KDDTrain+")
	}
	train := nsltest.Load(t, nsltest.Train)
	xtr, _, _ := nsltest.Encode(train, nsltest.Load(t, nsltest.Test))
	y := nsltest.Binary(train)
	n, p := xtr.Dims()
	matrixMB := float64(n*p*8) / 1e6
	for _, sp := range []forest.Splitter{forest.Exact, forest.Histogram} {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		start := time.Now()
		f, err := forest.Fit(context.Background(), xtr, y, forest.Config{Splitter: sp, OOB: true})
		elapsed := time.Since(start)
		close(stop)
		<-done
		require.NoError(t, err)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		extra := float64(peak.Load()-before.HeapAlloc) / 1e6
		oob, _ := f.OOBScore()
		t.Logf("%s: %d×%d (matrix %.0f MB): peak heap during Fit +%.0f MB (%.2f× the matrix), allocated %.0f MB, %v wall, OOB %.4f",
			sp, n, p, matrixMB, extra, extra/matrixMB, float64(after.TotalAlloc-before.TotalAlloc)/1e6, elapsed.Round(time.Millisecond), oob)
		// One copy of the matrix at most, plus the trees and buffers.
		assert.Less(t, extra, 1.6*matrixMB)
	}
}
