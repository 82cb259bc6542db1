package bundle_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// smallRows returns the rows of the small table, every seventh with a
// protocol training never saw.
func smallRows(f fitted) []dataset.Row {
	rows := make([]dataset.Row, f.tab.Len())
	for i := range rows {
		f.tab.Row(i, &rows[i])
		if i%7 == 3 {
			rows[i].Cat = append([]string(nil), rows[i].Cat...)
			rows[i].Cat[0] = "HTTP"
		}
	}
	return rows
}

// TestScoreRowsMatchesScoreRow: for each model kind and batch size,
// ScoreRows gives every row ScoreRow's result, bit for bit, and counts
// the same unseen values.
func TestScoreRowsMatchesScoreRow(t *testing.T) {
	f := fitSmall(t)
	h, err := anomaly.NewHybrid(f.rf, f.ifo, anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.6, ClassifierScale: 0.1, NoveltyScale: 0.05})
	require.NoError(t, err)
	rows := smallRows(f)
	for _, c := range []struct {
		name string
		d    anomaly.Detector
	}{{"iforest", f.ifo}, {"forest", f.rf}, {"hybrid", h}} {
		for _, size := range []int{1, 18, 33, len(rows)} {
			t.Run(fmt.Sprintf("%s/rows=%d", c.name, size), func(t *testing.T) {
				one, err := bundle.New(f.p, c.d, 0.55, bundle.Metadata{})
				require.NoError(t, err)
				batch, err := bundle.New(f.p, c.d, 0.55, bundle.Metadata{})
				require.NoError(t, err)
				got := make([]bundle.Result, len(rows))
				for lo := 0; lo < len(rows); lo += size {
					hi := min(lo+size, len(rows))
					n, err := batch.ScoreRows(context.Background(), rows[lo:hi], got[lo:hi])
					require.NoError(t, err)
					require.Equal(t, hi-lo, n)
				}
				for i := range rows {
					want, err := one.ScoreRow(&rows[i])
					require.NoError(t, err)
					require.Equal(t, math.Float64bits(want.Score), math.Float64bits(got[i].Score), "row %d", i)
					require.Equal(t, want.Attack, got[i].Attack, "row %d", i)
					require.Equal(t, want.Unseen, got[i].Unseen, "row %d", i)
				}
				assert.Equal(t, one.UnseenCounts(), batch.UnseenCounts())
				assert.NotEmpty(t, batch.UnseenCounts())
			})
		}
	}
}

// TestScoreRowsErrors: a result slice of the wrong length, a row of the
// wrong width (the pipeline's error) and a row the detector rejects each
// stop the batch at that row, with the rows before it scored.
func TestScoreRowsErrors(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.55, bundle.Metadata{})
	require.NoError(t, err)
	rows := smallRows(f)[:10]
	ctx := context.Background()

	n, err := b.ScoreRows(ctx, rows, make([]bundle.Result, 9))
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	assert.Zero(t, n)
	n, err = b.ScoreRows(ctx, nil, nil)
	assert.NoError(t, err)
	assert.Zero(t, n)

	for _, c := range []struct {
		name string
		bad  func(r *dataset.Row)
		err  error
	}{
		{"width", func(r *dataset.Row) { r.Num = r.Num[:2] }, anomaly.ErrDimension},
		// Log1p of −2 is NaN: the pipeline passes it on and the forest
		// rejects it.
		{"detector", func(r *dataset.Row) { r.Num[1] = -2 }, anomaly.ErrNaN},
	} {
		t.Run(c.name, func(t *testing.T) {
			batch := make([]dataset.Row, len(rows))
			copy(batch, rows)
			batch[4].Num = append([]float64(nil), batch[4].Num...)
			c.bad(&batch[4])
			_, rowErr := b.ScoreRow(&batch[4])
			require.ErrorIs(t, rowErr, c.err, "ScoreRow rejects the row as well")
			dst := make([]bundle.Result, len(batch))
			n, err := b.ScoreRows(ctx, batch, dst)
			assert.ErrorIs(t, err, c.err)
			assert.Contains(t, err.Error(), "row 4")
			assert.Equal(t, 4, n)
			for i := range n {
				want, err := b.ScoreRow(&batch[i])
				require.NoError(t, err)
				assert.Equal(t, want.Score, dst[i].Score, "row %d", i)
			}
			assert.Zero(t, dst[5], "rows after the bad one are not scored")
			n, err = b.ScoreRows(ctx, batch[5:], dst[5:])
			assert.NoError(t, err)
			assert.Equal(t, 5, n)
		})
	}
}

// TestScoreRowsAllocs: a batch of a datagram's size allocates nothing once
// the bundle has scored one as large.
func TestScoreRowsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.55, bundle.Metadata{})
	require.NoError(t, err)
	rows := make([]dataset.Row, 18)
	for i := range rows {
		f.tab.Row(i, &rows[i])
	}
	dst := make([]bundle.Result, 18)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := b.ScoreRows(ctx, rows, dst); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

// BenchmarkScoreRows scores raw KDDTest+ records in batches of 18 (an
// IPFIX datagram's records) and 256, through the pipeline and forest of
// BenchmarkScoreRow; ns/row is the cost per record, to set beside
// ScoreRow's ns/op:
//
//	NSLKDD_DIR=… go test -run '^$' -bench 'ScoreRows?$' -cpu 1 ./anomaly/bundle/
func BenchmarkScoreRows(b *testing.B) {
	te := nsltest.Load(b, nsltest.Test)
	rows := make([]dataset.Row, 4096)
	for i := range rows {
		te.Row(i, &rows[i])
	}
	p, f := nslIForest(b, features.Reference())
	bd, err := bundle.New(p, f, 0.5, bundle.Metadata{})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{18, 256} {
		b.Run(fmt.Sprintf("reference+iforest100/rows=%d", size), func(b *testing.B) {
			dst := make([]bundle.Result, size)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i+size > len(rows) {
					i = 0
				}
				if _, err := bd.ScoreRows(ctx, rows[i:i+size], dst); err != nil {
					b.Fatal(err)
				}
				i += size
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/row")
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// ExampleBundle_ScoreRows scores a batch of raw rows in one call, as a
// collector scores the records of one datagram; the row the pipeline
// rejects stops the batch there, and the rest follow in a second call.
func ExampleBundle_ScoreRows() {
	b := flowBundle()
	rows := []dataset.Row{
		{Num: []float64{0, 420, 3}, Cat: []string{"tcp", "", ""}},
		{Num: []float64{0, 0, 511}, Cat: []string{"icmp", "", ""}},
		{Num: []float64{0, 300}, Cat: []string{"udp", "", ""}}, // a column short
		{Num: []float64{0, 610, 2}, Cat: []string{"udp", "", ""}},
	}
	dst := make([]bundle.Result, len(rows))
	ctx := context.Background()
	n, err := b.ScoreRows(ctx, rows, dst)
	fmt.Println(n, err != nil)
	if m, err := b.ScoreRows(ctx, rows[n+1:], dst[n+1:]); err == nil {
		n += 1 + m
	}
	for i, r := range dst[:n] {
		if i != 2 {
			fmt.Printf("row %d: attack=%v unseen=%v\n", i, r.Attack, r.Unseen)
		}
	}
	// Output:
	// 2 true
	// row 0: attack=false unseen=[]
	// row 1: attack=true unseen=[proto]
	// row 3: attack=false unseen=[]
}
