package dataset_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// A CICFlowMeter-style export: spaces in header names, a repeated column,
// "Infinity" and "NaN" in the rate columns, an ID to ignore.
const cicCSV = "\ufeffFlow ID, Destination Port, Protocol, Flow Bytes/s, Flow Packets/s, Fwd Header Length, Fwd Header Length, Label\r\n" +
	"a-1,80,tcp,1000.5,20,40,40,BENIGN\r\n" +
	"a-2,443,tcp,Infinity,NaN,32,32,DDoS\r\n" +
	"\"a,3\",22,\"tcp\",,3,20,20,SSH-Patator\r\n"

func TestCSVCICFlowMeter(t *testing.T) {
	cfg := dataset.CSVConfig{
		Categorical: []string{"Protocol"},
		Label:       "Label",
		Ignore:      []string{"Flow ID", "Fwd Header Length.1"},
		Missing:     dataset.ValuePolicy{Action: dataset.Replace, Value: -1},
		NaN:         dataset.ValuePolicy{Action: dataset.AsNaN},
		Inf:         dataset.ValuePolicy{Action: dataset.Replace, Value: 1e12},
		Categories:  map[string]dataset.Category{"BENIGN": dataset.Normal, "DDoS": dataset.DoS},
		Unmapped:    dataset.UnmappedKeep, // SSH-Patator is not in the map
	}
	tab, err := dataset.ReadCSV(strings.NewReader(cicCSV), "flows.csv", cfg)
	require.NoError(t, err)
	s := tab.Schema()
	names := []string{}
	for _, c := range s.Columns {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"Destination Port", "Protocol", "Flow Bytes/s", "Flow Packets/s", "Fwd Header Length"}, names)
	assert.Equal(t, dataset.Categorical, s.Columns[1].Kind)
	require.Equal(t, 3, tab.Len())
	assert.Equal(t, []float64{1000.5, 1e12, -1}, tab.Numeric(2))
	assert.True(t, math.IsNaN(tab.Numeric(3)[1]))
	codes, levels := tab.Codes(1)
	assert.Equal(t, []int32{0, 0, 0}, codes)
	assert.Equal(t, []string{"tcp"}, levels)
	assert.Equal(t, []string{"BENIGN", "DDoS", "SSH-Patator"}, tab.Labels())
	assert.Equal(t, []dataset.Category{dataset.Normal, dataset.DoS, dataset.Unknown}, tab.Categories())
	rep := tab.LoadReport()
	assert.Equal(t, 3, rep.Rows)
	assert.Equal(t, 1, rep.Unknown)
	assert.Equal(t, map[string]int{"SSH-Patator": 1}, rep.UnknownLabels)
}

func TestCSVPolicies(t *testing.T) {
	const text = "a,b\n1,2\n,3\nNaN,4\ninf,5\n-Infinity,6\n1e999,7\n"
	tests := []struct {
		name    string
		cfg     dataset.CSVConfig
		want    []float64 // column a, NaN compared as NaN
		skipped int
		line    int // line of the first error (strict) or 0
	}{
		{name: "strict", line: 3},
		{name: "lenient", cfg: dataset.CSVConfig{Lenient: true}, want: []float64{1}, skipped: 5},
		{name: "all NaN", cfg: dataset.CSVConfig{Missing: dataset.ValuePolicy{Action: dataset.AsNaN},
			NaN: dataset.ValuePolicy{Action: dataset.AsNaN}, Inf: dataset.ValuePolicy{Action: dataset.AsNaN}},
			want: []float64{1, math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}},
		{name: "replace", cfg: dataset.CSVConfig{Missing: dataset.ValuePolicy{Action: dataset.Replace, Value: 0},
			NaN: dataset.ValuePolicy{Action: dataset.Replace, Value: -1}, Inf: dataset.ValuePolicy{Action: dataset.Replace, Value: 9}},
			want: []float64{1, 0, -1, 9, 9, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := dataset.ReadCSV(strings.NewReader(text), "p.csv", tc.cfg)
			if tc.line > 0 {
				var pe *dataset.ParseError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "p.csv", pe.File)
				assert.Equal(t, tc.line, pe.Line)
				assert.Equal(t, 1, pe.Column)
				assert.Equal(t, "a", pe.Field)
				assert.ErrorIs(t, err, errs.ErrFormat)
				return
			}
			require.NoError(t, err)
			got := tab.Numeric(0)
			require.Len(t, got, len(tc.want))
			for i := range got {
				if math.IsNaN(tc.want[i]) {
					assert.True(t, math.IsNaN(got[i]), "row %d", i)
				} else {
					assert.Equal(t, tc.want[i], got[i], "row %d", i)
				}
			}
			rep := tab.LoadReport()
			assert.Equal(t, tc.skipped, rep.Skipped)
			assert.Len(t, rep.Errors, tc.skipped)
		})
	}
}

func TestCSVConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		cfg  dataset.CSVConfig
		is   error
	}{
		{"empty file", "", dataset.CSVConfig{}, errs.ErrEmpty},
		{"header only", "a,b\n", dataset.CSVConfig{}, errs.ErrEmpty},
		{"unknown categorical", "a,b\n1,2\n", dataset.CSVConfig{Categorical: []string{"c"}}, errs.ErrFormat},
		{"unknown label", "a,b\n1,2\n", dataset.CSVConfig{Label: "y"}, errs.ErrFormat},
		{"names count", "a,b\n1,2\n", dataset.CSVConfig{Names: []string{"x"}}, errs.ErrFormat},
		{"only label", "a\nx\n", dataset.CSVConfig{Label: "a"}, errs.ErrEmpty},
		{"bad comma", "a\n1\n", dataset.CSVConfig{Comma: 'é'}, errs.ErrFormat},
		{"unterminated quote", "a,b\n\"1,2\n", dataset.CSVConfig{}, errs.ErrFormat},
		{"text after quote", "a,b\n\"1\"x,2\n", dataset.CSVConfig{}, errs.ErrFormat},
		{"too many fields", "a,b\n1,2,3\n", dataset.CSVConfig{}, errs.ErrFormat},
		{"too few fields", "a,b\n1\n", dataset.CSVConfig{}, errs.ErrFormat},
		{"not a number", "a,b\n1,x\n", dataset.CSVConfig{}, errs.ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.ReadCSV(strings.NewReader(tc.text), "c.csv", tc.cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			assert.True(t, strings.HasPrefix(err.Error(), "dataset: "), err.Error())
			var pe *dataset.ParseError
			if errors.As(err, &pe) {
				assert.Equal(t, "c.csv", pe.File)
			}
		})
	}
}

func TestCSVNoHeaderAndNames(t *testing.T) {
	tab, err := dataset.ReadCSV(strings.NewReader("1;x;n\n2;y;smurf\n"), "n.csv",
		dataset.CSVConfig{Comma: ';', NoHeader: true, Categorical: []string{"c2"}, Label: "c3", Unmapped: dataset.UnmappedKeep})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2}, tab.Numeric(0))
	assert.Equal(t, []dataset.Category{dataset.Unknown, dataset.DoS}, tab.Categories(), "default map is CategoryOf")
	assert.Equal(t, map[string]int{"n": 1}, tab.UnknownLabels())

	tab, err = dataset.ReadCSV(strings.NewReader("p,q\n1,2\n"), "r.csv", dataset.CSVConfig{Names: []string{"x", "y"}})
	require.NoError(t, err)
	s := tab.Schema()
	assert.Equal(t, 1, s.Index("y"))
	assert.Equal(t, -1, s.Index("q"))
}

func TestCSVCROnlyLineEnds(t *testing.T) {
	cfg := dataset.CSVConfig{NoHeader: true, Names: []string{"attack", "category"}, Categorical: []string{"category"}, Label: "attack",
		Unmapped: dataset.UnmappedKeep} // Attack_Types.csv ends in a row "unknown"
	tab, err := dataset.ReadCSV(strings.NewReader("back,dos\rsmurf,dos\rsatan,probe"), "cr.csv", cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"back", "smurf", "satan"}, tab.Labels())

	// NSL-KDD's own Attack_Types.csv has CR-only line ends.
	tab, err = dataset.LoadCSV(filepath.Join(nslDir(t), "Attack_Types.csv"), cfg)
	require.NoError(t, err)
	assert.Equal(t, 24, tab.Len())
	_, levels := tab.Codes(0)
	assert.ElementsMatch(t, []string{"dos", "u2r", "r2l", "probe", "normal", "unknown"}, levels)
	for i := 0; i < tab.Len(); i++ {
		want := map[string]dataset.Category{"normal": dataset.Normal, "dos": dataset.DoS, "probe": dataset.Probe,
			"r2l": dataset.R2L, "u2r": dataset.U2R, "unknown": dataset.Unknown}[levels[mustCode(tab, i)]]
		assert.Equal(t, want, tab.Category(i), tab.Label(i))
	}
	assert.Equal(t, map[string]int{"unknown": 1}, tab.LoadReport().UnknownLabels)
}

func mustCode(t *dataset.Table, i int) int32 {
	codes, _ := t.Codes(0)
	return codes[i]
}

// The XGBoost fixtures' feature CSVs ($XGBOOST_FIXTURES): 500 rows
// of 118 encoded columns with a header; the _nan file has 2982 cells
// "nan" (counted with tr ',' '\n' | grep -c '^nan$').
func TestCSVXGBoostFixtures(t *testing.T) {
	dir := os.Getenv("XGBOOST_FIXTURES")
	if _, err := os.Stat(filepath.Join(dir, "test_features_nan.csv")); dir == "" || err != nil {
		t.Skip("needs the NSL-KDD XGBoost fixtures: set XGBOOST_FIXTURES to their folder")
	}
	tab, err := dataset.LoadCSV(filepath.Join(dir, "test_features.csv"), dataset.CSVConfig{})
	require.NoError(t, err)
	assert.Equal(t, 500, tab.Len())
	assert.Equal(t, 118, tab.NumColumns())
	s := tab.Schema()
	assert.Equal(t, 117, s.Index("flag=SH"))

	_, err = dataset.LoadCSV(filepath.Join(dir, "test_features_nan.csv"), dataset.CSVConfig{})
	var pe *dataset.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, pe.Line)
	assert.Equal(t, "num_compromised", pe.Field)
	assert.Equal(t, 37, pe.Column)

	tab, err = dataset.LoadCSV(filepath.Join(dir, "test_features_nan.csv"), dataset.CSVConfig{NaN: dataset.ValuePolicy{Action: dataset.AsNaN}})
	require.NoError(t, err)
	nan := 0
	for j := 0; j < tab.NumColumns(); j++ {
		for _, v := range tab.Numeric(j) {
			if math.IsNaN(v) {
				nan++
			}
		}
	}
	assert.Equal(t, 2982, nan)
}

func TestCSVEdgeCases(t *testing.T) {
	// Empty header names are named by position; an out-of-range category
	// from CategoryFunc is Unknown.
	tab, err := dataset.ReadCSV(strings.NewReader(" ,b,,y\n1,2,3,a\n"), "e.csv", dataset.CSVConfig{
		Label: "y", CategoryFunc: func(string) dataset.Category { return 42 }, Unmapped: dataset.UnmappedKeep})
	require.NoError(t, err)
	s := tab.Schema()
	assert.Equal(t, []dataset.Column{{Name: "c1"}, {Name: "b"}, {Name: "c3"}}, s.Columns)
	assert.Equal(t, dataset.Unknown, tab.Category(0))
	assert.Equal(t, map[string]int{"a": 1}, tab.LoadReport().UnknownLabels)
}

// ReadAll guesses the row count from the first rows' length when the input
// size is known; a bad guess either way must not change the table.
func TestReadAllSizeGuess(t *testing.T) {
	for _, longFirst := range []bool{true, false} {
		var b strings.Builder
		b.WriteString("x,y\n")
		n := 20000
		for i := 0; i < n; i++ {
			pad := i < 1024 == longFirst
			if pad {
				fmt.Fprintf(&b, "%030d,%d\n", i, i%7)
			} else {
				fmt.Fprintf(&b, "%d,%d\n", i, i%7)
			}
		}
		tab, err := dataset.ReadCSV(strings.NewReader(b.String()), "g.csv", dataset.CSVConfig{})
		require.NoError(t, err)
		require.Equal(t, n, tab.Len())
		for i, v := range tab.Numeric(0) {
			if v != float64(i) {
				t.Fatalf("longFirst=%v row %d: %v", longFirst, i, v)
			}
		}
		assert.Equal(t, float64((n-1)%7), tab.Numeric(1)[n-1])
		assert.Len(t, tab.Labels(), n)
	}
}
