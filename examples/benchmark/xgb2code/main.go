//go:build xgb2code && linux

// Command xgb2code times netwarden's XGBoost scoring, with the model read at
// run time, beside the Go code github.com/maxmind/xgb2code generates for the
// same model, in one process on the same rows: every KDDTest+ row encoded as
// the fixture binary_100 was trained (features.Reference() fitted on
// KDDTrain+_20Percent, 118 columns).
//
// It measures, single-threaded, the CPU time of the thread (so that time
// spent waiting for a core on a shared machine does not count), medians of
// -reps rounds over all rows in which the implementations take turns on
// chunks of 512 rows:
//
//   - netwarden Score, one row per call, over all rows;
//   - the generated Predict, one row per call (its input is []*float32,
//     nil for a missing value), over all rows;
//   - netwarden ScoreBatch with one worker over the whole matrix;
//
// and how far the generated code's probabilities are from netwarden's
// (which equal XGBoost's own; the generated code adds base_score after the
// trees, in float32, where XGBoost starts from it).
//
// The generated code is not part of this repository and is never committed:
// it lives in a module of its own outside it, which a go.work file joins to
// this one. With an xgb2code binary (built by you from its own repository),
// $XGBOOST_FIXTURES naming the folder of the XGBoost fixtures and
// $NSLKDD_DIR that of the NSL-KDD files:
//
//	mkdir -p /tmp/xgbgen/binary100 && cd /tmp/xgbgen
//	printf 'module xgb2codegen\n\ngo 1.24\n' > go.mod
//	xgb2code -input-json "$XGBOOST_FIXTURES/binary_100.json" \
//	    -function-name Predict -go-package-name binary100 \
//	    -output-file /tmp/xgbgen/binary100/predict.go
//	go work init /tmp/xgbgen "$REPO"     # writes /tmp/xgbgen/go.work
//	cd "$REPO" && GOWORK=/tmp/xgbgen/go.work taskset -c 0 \
//	    go run -tags xgb2code ./examples/benchmark/xgb2code
//
// -model defaults to $XGBOOST_FIXTURES/binary_100.json and -data to
// $NSLKDD_DIR; with neither the flag nor the variable the command stops
// with a message that names both.
//
// Without the build tag (go build ./..., go vet ./...) this file is left
// out, so the repository builds without the generated package.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"xgb2codegen/binary100"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest/xgboost"
)

func main() {
	data := flag.String("data", os.Getenv("NSLKDD_DIR"), "folder with KDDTrain+_20Percent.txt and KDDTest+.txt")
	model := flag.String("model", defaultModel(), "the binary_100 model the generated code was made from, $XGBOOST_FIXTURES/binary_100.json unless given")
	reps := flag.Int("reps", 5, "rounds; the medians are reported")
	flag.Parse()
	if err := run(*data, *model, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "xgb2code:", err)
		os.Exit(1)
	}
}

// threadCPU returns the CPU time the calling thread has used
// (CLOCK_THREAD_CPUTIME_ID).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTime = 3
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		panic(e)
	}
	return time.Duration(ts.Nano())
}

// defaultModel returns binary_100.json in $XGBOOST_FIXTURES, or "" when the
// variable is unset (run then says so).
func defaultModel() string {
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		return filepath.Join(d, "binary_100.json")
	}
	return ""
}

func run(dir, modelPath string, reps int) error {
	if dir == "" {
		return fmt.Errorf("no NSL-KDD folder: set -data or $NSLKDD_DIR")
	}
	if modelPath == "" {
		return fmt.Errorf("no model: set -model or $XGBOOST_FIXTURES (the folder of the XGBoost fixtures, binary_100.json among them)")
	}
	runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	ctx := context.Background()
	train, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTrain+_20Percent.txt"))
	if err != nil {
		return err
	}
	test, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTest+.txt"))
	if err != nil {
		return err
	}
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	if err != nil {
		return err
	}
	X, err := pipe.TransformTable(ctx, test)
	if err != nil {
		return err
	}
	m, err := xgboost.Load(modelPath)
	if err != nil {
		return err
	}
	if err := m.CheckFeatureNames(pipe.Names()); err != nil {
		return err
	}
	n, c := X.Dims()
	rows := make([][]float64, n)
	ptrs := make([][]*float32, n)
	for i := range rows {
		rows[i] = X.RawRowView(i)
		vals := make([]float32, c)
		ptrs[i] = make([]*float32, c)
		for j, v := range rows[i] {
			if v == v {
				vals[j] = float32(v)
				ptrs[i][j] = &vals[j]
			}
		}
	}
	nw := make([]float64, n)
	gen := make([]float64, n)
	batch := make([]float64, n)
	// The implementations take turns on chunks of rows, in an order that
	// rotates, so that a slow phase of a shared machine falls on all three.
	const chunk = 512
	var tScore, tGen, tBatch []float64
	for r := 0; r <= reps; r++ { // round 0 warms up
		var d [3]float64
		for lo := 0; lo < n; lo += chunk {
			hi := min(n, lo+chunk)
			for k := range 3 {
				start := threadCPU()
				switch (k + lo/chunk) % 3 {
				case 0:
					for i := lo; i < hi; i++ {
						s, err := m.Score(rows[i])
						if err != nil {
							return err
						}
						nw[i] = s
					}
				case 1:
					for i := lo; i < hi; i++ {
						gen[i] = float64(binary100.Predict(ptrs[i], false))
					}
				case 2:
					if err := m.ScoreBatch(ctx, X.Slice(lo, hi, 0, c), batch[lo:hi], 1); err != nil {
						return err
					}
				}
				d[(k+lo/chunk)%3] += (threadCPU() - start).Seconds()
			}
		}
		if r > 0 {
			tScore, tGen, tBatch = append(tScore, d[0]), append(tGen, d[1]), append(tBatch, d[2])
		}
	}
	maxDiff, same := 0.0, 0
	for i := range nw {
		if nw[i] != batch[i] {
			return fmt.Errorf("row %d: ScoreBatch %v, Score %v", i, batch[i], nw[i])
		}
		maxDiff = math.Max(maxDiff, math.Abs(nw[i]-gen[i]))
		if nw[i] == gen[i] {
			same++
		}
	}
	med := func(t []float64) float64 { s := slices.Clone(t); slices.Sort(s); return s[len(s)/2] }
	ms, mg, mb := med(tScore), med(tGen), med(tBatch)
	fn := float64(n)
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("binary_100 on %d KDDTest+ rows, one thread, CPU time, medians of %d rounds (load average %s)\n\n", n, reps, strings.TrimSpace(string(load)))
	fmt.Println("| implementation | per row | rows/s | vs xgb2code |")
	fmt.Println("|---|---:|---:|---:|")
	fmt.Printf("| xgb2code's generated Predict, a loop of rows | %.3f µs | %.0f | 1.00× |\n", mg/fn*1e6, fn/mg)
	fmt.Printf("| netwarden Score, a loop of rows | %.3f µs | %.0f | %.2f× |\n", ms/fn*1e6, fn/ms, mg/ms)
	fmt.Printf("| netwarden ScoreBatch, 1 worker | %.3f µs | %.0f | %.2f× |\n", mb/fn*1e6, fn/mb, mg/mb)
	fmt.Printf("\nScoreBatch over a loop of Score: %.2f×. Rounds (CPU s): Score %.4f, Predict %.4f, ScoreBatch %.4f.\n", ms/mb, tScore, tGen, tBatch)
	fmt.Printf("Generated code's probabilities against netwarden's: %d of %d identical, largest difference %.3g.\n", same, n, maxDiff)
	return nil
}
