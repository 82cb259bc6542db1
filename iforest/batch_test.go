package iforest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/iforest"
)

// batchForests are the three scoring layouts: packed (the default), the
// classic one (trees deeper than the packed layout holds) and the
// extended one.
var batchForests = []struct {
	name string
	cfg  iforest.Config
}{
	{"packed", iforest.Config{Seed: 1}},
	{"classic", iforest.Config{Seed: 1, MaxDepth: 10}},
	{"extended", iforest.Config{Seed: 1, ExtensionLevel: 2}},
}

// TestScoreBatchSizes: batches of every size around the block sizes (8,
// 24, 32), scored on the calling goroutine (GOMAXPROCS 1, or batches of
// up to 32 rows) and across workers, give each row the score Score gives
// it.
func TestScoreBatchSizes(t *testing.T) {
	X := blob(1000, 4, 3)
	Y := blob(100, 4, 4)
	for _, fc := range batchForests {
		f := fit(t, X, fc.cfg)
		want := make([]float64, 100)
		for i := range want {
			var err error
			want[i], err = f.Score(Y.RawRowView(i))
			require.NoError(t, err)
		}
		for _, procs := range []int{1, 2} {
			old := runtime.GOMAXPROCS(procs)
			for _, n := range []int{1, 7, 8, 9, 18, 23, 24, 25, 31, 32, 33, 64, 65, 100} {
				rows := make([][]float64, n)
				for i := range rows {
					rows[i] = Y.RawRowView(i)
				}
				got := make([]float64, n)
				require.NoError(t, f.ScoreBatch(context.Background(), rows, got))
				assert.Equal(t, want[:n], got, "%s, GOMAXPROCS %d, %d rows", fc.name, procs, n)
			}
			runtime.GOMAXPROCS(old)
		}
	}
}

// TestScoreBatchAllocs: a small batch (a datagram's records) allocates
// nothing, in each layout. The packed layout's keys come from a sync.Pool,
// which the race detector empties at random: skipped there.
func TestScoreBatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	X := blob(1000, 4, 3)
	Y := blob(18, 4, 4)
	rows := make([][]float64, 18)
	for i := range rows {
		rows[i] = Y.RawRowView(i)
	}
	dst := make([]float64, 18)
	for _, fc := range batchForests {
		f := fit(t, X, fc.cfg)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(100, func() {
			if err := f.ScoreBatch(ctx, rows, dst); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs, fc.name)
	}
}

// TestScoreBatchCancelled: an ended context is reported on the inline path
// too.
func TestScoreBatchCancelled(t *testing.T) {
	f := fit(t, blob(1000, 4, 3), iforest.Config{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rows := [][]float64{{0, 0, 0, 0}}
	err := f.ScoreBatch(ctx, rows, make([]float64, 1))
	assert.ErrorIs(t, err, context.Canceled)
}

// BenchmarkScoreBatch scores KDDTest+ rows in batches of 1, 18 (an IPFIX
// datagram's records) and 256 on one goroutine (GOMAXPROCS 1), against
// Score one row per call: cpu-ns/row is the thread's CPU time per row.
//
//	NSLKDD_DIR=… go test -run '^$' -bench ScoreBatch -cpu 1 ./iforest/
func BenchmarkScoreBatch(b *testing.B) {
	normal, test := benchData(b)
	n, _ := test.Dims()
	f, err := iforest.Fit(context.Background(), normal, iforest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = test.RawRowView(i)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, size := range []int{1, 18, 256} {
		b.Run(fmt.Sprintf("rows=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]float64, size)
			ctx := context.Background()
			cpu := startCPU(true)
			i := 0
			for b.Loop() {
				if i+size > n {
					i = 0
				}
				if err := f.ScoreBatch(ctx, rows[i:i+size], dst); err != nil {
					b.Fatal(err)
				}
				i += size
			}
			cpu.report(b, float64(size), 1, "ns/row")
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
