package features_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/errs"
)

// TransformTable matches columns by name, as TransformRecord does: the same
// columns in another order, and extra columns, transform alike.
func TestTransformTableByName(t *testing.T) {
	steps := []features.Step{features.AllNumeric(features.Log1p), features.OneHot("proto", features.OneHotConfig{})}
	const a = "bytes,proto,rate\n1,tcp,0.5\n10,udp,2\n100,tcp,3\n"
	const b = "proto,extra,rate,bytes\ntcp,x,0.5,1\nudp,y,2,10\ntcp,z,3,100\n"
	ta, err := dataset.ReadCSV(strings.NewReader(a), "a.csv", dataset.CSVConfig{Categorical: []string{"proto"}})
	require.NoError(t, err)
	tb, err := dataset.ReadCSV(strings.NewReader(b), "b.csv", dataset.CSVConfig{Categorical: []string{"proto", "extra"}})
	require.NoError(t, err)
	p, err := features.Fit(context.Background(), ta, steps...)
	require.NoError(t, err)
	xa, err := p.TransformTable(context.Background(), ta)
	require.NoError(t, err)
	xb, err := p.TransformTable(context.Background(), tb)
	require.NoError(t, err)
	assert.Equal(t, xa.RawMatrix().Data, xb.RawMatrix().Data)

	tc, err := dataset.ReadCSV(strings.NewReader("proto,rate\ntcp,1\n"), "c.csv", dataset.CSVConfig{Categorical: []string{"proto"}})
	require.NoError(t, err)
	_, err = p.TransformTable(context.Background(), tc)
	assert.ErrorIs(t, err, errs.ErrDimension)
	assert.ErrorContains(t, err, `no column "bytes"`)
	td, err := dataset.ReadCSV(strings.NewReader("proto,rate,bytes\n1,1,1\n"), "d.csv", dataset.CSVConfig{})
	require.NoError(t, err)
	_, err = p.TransformTable(context.Background(), td)
	assert.ErrorIs(t, err, errs.ErrDimension)
	assert.ErrorContains(t, err, `column "proto" is numeric`)
}

// Every error locates its row, saying which count it is, and names the
// column: the file line for a table read from a file, else the 0-based
// row; log1p's error too.
func TestErrorLocations(t *testing.T) {
	const text = "bytes,rate\n1,0.5\n\n-3,2\n4,NaN\n"
	tab, err := dataset.ReadCSV(strings.NewReader(text), "flows.csv", dataset.CSVConfig{NaN: dataset.ValuePolicy{Action: dataset.AsNaN}})
	require.NoError(t, err)
	_, err = features.Fit(context.Background(), tab, features.Numeric("bytes", features.Log1p))
	require.ErrorIs(t, err, errs.ErrNaN)
	assert.ErrorContains(t, err, `column "bytes": flows.csv line 4 (row 1, 0-based): log1p of -3`)
	_, err = features.Fit(context.Background(), tab, features.Numeric("rate"))
	require.ErrorIs(t, err, errs.ErrNaN)
	assert.ErrorContains(t, err, `column "rate": flows.csv line 5 (row 2, 0-based): value NaN`)
	// With NaN kept, log1p still names the right row.
	_, err = features.Fit(context.Background(), tab, features.Numeric("bytes", features.Log1p).KeepNaN())
	assert.ErrorContains(t, err, "line 4 (row 1, 0-based)")

	p, err := features.Fit(context.Background(), tab.Subset([]int{0}), features.Numeric("rate"))
	require.NoError(t, err)
	_, err = p.TransformTable(context.Background(), tab)
	require.ErrorIs(t, err, errs.ErrNaN)
	assert.ErrorContains(t, err, `flows.csv line 5 (row 2, 0-based): features: column "rate"`)

	// A table built in code has no lines: the 0-based row it is.
	built := table(t, rec{1, "tcp", 0, "a", 0}, rec{math.Inf(1), "tcp", 0, "a", 0})
	_, err = features.Fit(context.Background(), built, features.Numeric("bytes"))
	assert.ErrorContains(t, err, `column "bytes": row 1 (0-based): value +Inf`)
}

func TestOneHotOnNumericSaysNumeric(t *testing.T) {
	_, err := features.Fit(context.Background(), train(t), features.OneHot("bytes", features.OneHotConfig{}))
	require.ErrorIs(t, err, errs.ErrDimension)
	assert.ErrorContains(t, err, `column "bytes" is numeric`)
	assert.ErrorContains(t, err, "CSVConfig.Categorical")
	_, err = features.Fit(context.Background(), train(t), features.Numeric("Bytes"))
	assert.ErrorContains(t, err, `did you mean "bytes"?`)
}

// TransformRecordUnseen names the categorical columns whose value training
// never saw, without allocating.
func TestTransformUnseen(t *testing.T) {
	p := fit(t, features.Select([]string{"bytes"}), features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}),
		features.Codes("ip", map[string]int{"10.0.0.1": 0}))
	dst := make([]float64, p.NumFeatures())
	buf := make([]int, 0, 4)
	m := map[string]string{"bytes": "1", "proto": "tcp", "ip": "10.0.0.1", "back": "0", "rate": "0"}
	got, err := p.TransformRecordUnseen(m, dst, buf)
	require.NoError(t, err)
	assert.Empty(t, got)
	m["proto"], m["ip"] = "HTTP", "192.0.2.1"
	got, err = p.TransformRecordUnseen(m, dst, buf)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 3}, got)
	got, err = p.TransformRowUnseen(row(rec{1, "sctp", 0, "10.0.0.1", 0}), dst, buf)
	require.NoError(t, err)
	assert.Equal(t, []int{1}, got)
	if !raceEnabled {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = p.TransformRecordUnseen(m, dst, buf) }))
	}
	_, err = p.TransformRowUnseen(nil, dst, buf)
	assert.ErrorIs(t, err, errs.ErrDimension)
}

// TransformRecord parses text with the policy of the table the pipeline was
// fitted on, kept through a save.
func TestTransformRecordPolicy(t *testing.T) {
	tab, err := dataset.ReadCSV(strings.NewReader(" Rate ,proto\nInfinity, tcp\nNA,udp\n3,tcp\n"), "p.csv", dataset.CSVConfig{
		Categorical: []string{"proto"}, Inf: dataset.ValuePolicy{Action: dataset.Replace, Value: 99},
		Missing: dataset.ValuePolicy{Action: dataset.Replace, Value: -1}, MissingTokens: []string{"NA"}})
	require.NoError(t, err)
	assert.Equal(t, []float64{99, -1, 3}, tab.Numeric(0))
	p, err := features.Fit(context.Background(), tab, features.Numeric("Rate"), features.OneHot("proto", features.OneHotConfig{}))
	require.NoError(t, err)
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	var q features.Pipeline
	require.NoError(t, q.UnmarshalBinary(b))
	dst := make([]float64, q.NumFeatures())
	for _, c := range []struct {
		rec  map[string]string
		want []float64
	}{
		{map[string]string{" Rate ": "Infinity", "proto": " tcp"}, []float64{99, 1, 0}},
		{map[string]string{"Rate": " NA ", "proto": "udp"}, []float64{-1, 0, 1}},
		{map[string]string{"\ufeff Rate": " 12", "proto": "tcp"}, []float64{12, 1, 0}},
	} {
		require.NoError(t, q.TransformRecord(c.rec, dst), "%v", c.rec)
		assert.Equal(t, c.want, dst)
	}
	err = q.TransformRecord(map[string]string{"Rate": "NaN", "proto": "tcp"}, dst)
	assert.ErrorIs(t, err, errs.ErrNaN, "the loader rejected NaN: so does scoring")
	assert.ErrorContains(t, err, "CSVConfig.NaN")
	require.Error(t, q.SetPolicy(dataset.RecordPolicy{Inf: dataset.ValuePolicy{Action: dataset.Replace, Value: math.NaN()}}))
}
