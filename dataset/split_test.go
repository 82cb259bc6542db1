package dataset_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// splitTable has 100 rows: 70 benign, 20 "dos", 9 "probe", 1 "u2r"; the
// numeric column t is a timestamp (the row index, shuffled), id the row.
func splitTable(t *testing.T) *dataset.Table {
	var b strings.Builder
	b.WriteString("id,t,label\n")
	for i := range 100 {
		lab := "normal"
		switch {
		case i%5 == 1:
			lab = "neptune"
		case i%11 == 3 && i%5 != 1:
			lab = "satan"
		}
		if i == 99 {
			lab = "rootkit"
		}
		fmt.Fprintf(&b, "%d,%d,%s\n", i, (i*37)%100, lab)
	}
	tab, err := dataset.ReadCSV(strings.NewReader(b.String()), "s.csv", dataset.CSVConfig{Label: "label"})
	require.NoError(t, err)
	return tab
}

func ids(t *dataset.Table) []float64 { return t.Numeric(0) }

func TestSplitStratifiedSeeded(t *testing.T) {
	tab := splitTable(t)
	all := tab.LabelCounts()
	for _, frac := range []float64{0, 0.2, 0.5} {
		a, b, err := dataset.Split(tab, dataset.SplitConfig{Fraction: frac, Seed: 7})
		require.NoError(t, err)
		want := frac
		if want == 0 {
			want = 0.3
		}
		assert.Equal(t, tab.Len(), a.Len()+b.Len())
		assert.InDelta(t, want*100, b.Len(), 1)
		seen := map[float64]bool{}
		for _, part := range []*dataset.Table{a, b} {
			prev := -1.0
			for _, id := range ids(part) {
				assert.False(t, seen[id], "row %v in both parts", id)
				seen[id] = true
				assert.Greater(t, id, prev, "table order kept")
				prev = id
			}
		}
		bc := b.LabelCounts()
		for lab, n := range all {
			if n < 2 {
				assert.Zero(t, bc[lab], "a single-row stratum stays in the first part")
				continue
			}
			assert.InDelta(t, want*float64(n), bc[lab], 1, lab)
		}
		// Same seed, same split; another seed, another split.
		a2, _, err := dataset.Split(tab, dataset.SplitConfig{Fraction: frac, Seed: 7})
		require.NoError(t, err)
		assert.Equal(t, ids(a), ids(a2))
		a3, _, err := dataset.Split(tab, dataset.SplitConfig{Fraction: frac, Seed: 8})
		require.NoError(t, err)
		assert.NotEqual(t, ids(a), ids(a3))
	}
	// Train/calibration: split the training part again, by benign/attack.
	tr, _, err := dataset.Split(tab, dataset.SplitConfig{Seed: 1})
	require.NoError(t, err)
	fit, cal, err := dataset.Split(tr, dataset.SplitConfig{Fraction: 0.25, Stratify: dataset.ByAttack, Seed: 2})
	require.NoError(t, err)
	assert.Equal(t, tr.Len(), fit.Len()+cal.Len())
	pol, ok := cal.Policy()
	assert.True(t, ok)
	assert.Equal(t, dataset.RecordPolicy{}, pol, "the parts keep the table's policy")

	for _, bad := range []float64{-0.1, 1, 1.5} {
		_, _, err := dataset.Split(tab, dataset.SplitConfig{Fraction: bad})
		assert.ErrorIs(t, err, errs.ErrDimension)
	}
}

func TestSplitByTime(t *testing.T) {
	tab := splitTable(t)
	a, b, err := dataset.SplitByTime(tab, dataset.TimeSplitConfig{Column: "t", Fraction: 0.25})
	require.NoError(t, err)
	assert.Equal(t, 75, a.Len())
	assert.Equal(t, 25, b.Len())
	maxA := 0.0
	for _, v := range a.Numeric(1) {
		maxA = max(maxA, v)
	}
	for _, v := range b.Numeric(1) {
		assert.Greater(t, v, maxA, "every test row is later than every training row")
	}

	// Text timestamps, with ties at the cut kept on one side.
	const text = "ts,x,label\n" +
		"2017-07-03T09:00:00Z,1,normal\n2017-07-03T08:00:00Z,2,normal\n2017-07-03T10:00:00Z,3,neptune\n" +
		"2017-07-03T10:00:00Z,4,normal\n2017-07-03T11:00:00Z,5,neptune\n"
	tt, err := dataset.ReadCSV(strings.NewReader(text), "ts.csv", dataset.CSVConfig{Label: "label", Categorical: []string{"ts"}})
	require.NoError(t, err)
	a, b, err = dataset.SplitByTime(tt, dataset.TimeSplitConfig{Column: "ts", Fraction: 0.4})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3, 4}, a.Numeric(1), "the 10:00 tie stays together")
	assert.Equal(t, []float64{5}, b.Numeric(1))

	_, _, err = dataset.SplitByTime(tt, dataset.TimeSplitConfig{Column: "TS"})
	assert.ErrorIs(t, err, errs.ErrDimension)
	assert.ErrorContains(t, err, `did you mean "ts"?`)
	_, _, err = dataset.SplitByTime(tt, dataset.TimeSplitConfig{Column: "ts", Layout: "2006-01-02"})
	assert.ErrorIs(t, err, errs.ErrFormat)
	assert.ErrorContains(t, err, "row 0 (0-based)")
}

func ExampleSplit() {
	const flows = "bytes,label\n" +
		"10,normal\n20,normal\n30,normal\n40,normal\n50,neptune\n60,neptune\n70,normal\n80,normal\n90,neptune\n100,normal\n"
	t, err := dataset.ReadCSV(strings.NewReader(flows), "flows.csv", dataset.CSVConfig{Label: "label"})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := dataset.Split(t, dataset.SplitConfig{Fraction: 0.3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Len(), train.LabelCounts())
	fmt.Println(test.Len(), test.LabelCounts())
	// Output:
	// 7 map[neptune:2 normal:5]
	// 3 map[neptune:1 normal:2]
}
