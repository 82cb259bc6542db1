package dataset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// unswLike is a slice of UNSW-NB15's partition layout: a 0/1 label and the
// family in attack_cat.
const unswLike = "id,dur,proto,sbytes,attack_cat,label\n" +
	"1,0.1,tcp,200,Normal,0\n" +
	"2,0.0,udp,1000,Generic,1\n" +
	"3,0.2,tcp,300,Normal,0\n" +
	"4,0.0,udp,900,Exploits,1\n" +
	"5,0.3,tcp,250,Normal,0\n"

// Labels the category map does not know do not load as attacks: the error
// names each with its count and says how to map them.
func TestUnmappedLabelsAreAnError(t *testing.T) {
	for _, c := range []struct {
		name, text string
		cfg        dataset.CSVConfig
		want       []string
	}{
		{"0/1 label", unswLike, dataset.CSVConfig{Label: "label", Categorical: []string{"proto"}, Ignore: []string{"id", "attack_cat"}},
			[]string{`"0" (3 rows)`, `"1" (2 rows)`, "dataset.ZeroOne", "CSVConfig.Unmapped"}},
		{"family label, other spelling", unswLike, dataset.CSVConfig{Label: "attack_cat", Categorical: []string{"proto"}, Ignore: []string{"id", "label"}},
			[]string{`"Normal" (3 rows)`, `"Exploits" (1 rows)`, `"Generic" (1 rows)`, "CSVConfig.Categories"}},
		{"truncated label", "a,Label\n1,BENIGN\n2,BEN\n", dataset.CSVConfig{Label: "Label", Categories: dataset.CICIDS2017Families()},
			[]string{`"BEN" (1 rows)`, "1 of 2 rows", "u.csv:3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dataset.ReadCSV(strings.NewReader(c.text), "u.csv", c.cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, dataset.ErrUnmappedLabel)
			assert.ErrorIs(t, err, errs.ErrFormat)
			var pe *dataset.ParseError
			assert.True(t, errors.As(err, &pe))
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			// A streaming Read fails at the first such row.
			rd, err := dataset.NewCSVReader(strings.NewReader(c.text), "u.csv", c.cfg)
			require.NoError(t, err)
			var row dataset.Row
			for err == nil {
				err = rd.Read(&row)
			}
			assert.ErrorIs(t, err, dataset.ErrUnmappedLabel)
		})
	}
}

func TestUnmappedPolicies(t *testing.T) {
	cfg := dataset.CSVConfig{Label: "Label", Categories: dataset.CICIDS2017Families(), Unmapped: dataset.UnmappedKeep}
	const text = "a,Label\n1,BENIGN\n2,BEN\n3,DDoS\n"
	tab, err := dataset.ReadCSV(strings.NewReader(text), "k.csv", cfg)
	require.NoError(t, err)
	assert.Equal(t, []dataset.Category{dataset.Normal, dataset.Unknown, dataset.DoS}, tab.Categories())
	assert.Equal(t, map[string]int{"BEN": 1}, tab.LoadReport().UnknownLabels)

	cfg.Unmapped = dataset.UnmappedSkip
	tab, err = dataset.ReadCSV(strings.NewReader(text), "k.csv", cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"BENIGN", "DDoS"}, tab.Labels())
	rep := tab.LoadReport()
	assert.Equal(t, 1, rep.Skipped)
	assert.Equal(t, map[string]int{"BEN": 1}, rep.UnknownLabels)
	require.Len(t, rep.Errors, 1)
	assert.Contains(t, rep.Errors[0].Error(), "k.csv:3")
}

// A 0/1 label is read first-class, the family beside it carried per row.
func TestBinaryLabelAndFamily(t *testing.T) {
	tab, err := dataset.ReadCSV(strings.NewReader(unswLike), "unsw.csv", dataset.CSVConfig{
		Label: "label", Binary: dataset.ZeroOne, Family: "attack_cat",
		Categorical: []string{"proto"}, Ignore: []string{"id"},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"dur", "proto", "sbytes"}, names(tab.Schema()))
	assert.Equal(t, []bool{false, true, false, true, false}, attacks(tab))
	assert.Equal(t, []string{"Normal", "Generic", "Normal", "Exploits", "Normal"}, tab.Families())
	assert.Zero(t, tab.LoadReport().Unknown, "both values of a binary label are known")
	sub := tab.Subset([]int{3, 1})
	assert.Equal(t, []string{"Exploits", "Generic"}, sub.Families())

	// The family map instead, with the family as the label.
	tab, err = dataset.ReadCSV(strings.NewReader(unswLike), "unsw.csv", dataset.CSVConfig{
		Label: "attack_cat", Categories: dataset.UNSWNB15Families(),
		Categorical: []string{"proto"}, Ignore: []string{"id", "label"},
	})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true, false, true, false}, attacks(tab))
	assert.Equal(t, tab.Labels(), tab.Families())

	// A value outside the binary pair is unmapped.
	_, err = dataset.ReadCSV(strings.NewReader("a,label\n1,0\n2,2\n"), "b.csv", dataset.CSVConfig{Label: "label", Binary: dataset.ZeroOne})
	assert.ErrorIs(t, err, dataset.ErrUnmappedLabel)
}

func TestFamilyMapsSpelling(t *testing.T) {
	unsw := dataset.UNSWNB15Families()
	for _, n := range []string{"Normal", "Generic", "Exploits", "Fuzzers", "DoS", "Reconnaissance", "Analysis", "Backdoor", "Backdoors", "Shellcode", "Worms"} {
		assert.Contains(t, unsw, n)
	}
	assert.Equal(t, dataset.Normal, unsw["Normal"])
	cic := dataset.CICIDS2017Families()
	for _, n := range []string{"BENIGN", "DoS Hulk", "PortScan", "DDoS", "DoS GoldenEye", "FTP-Patator", "SSH-Patator",
		"DoS slowloris", "DoS Slowhttptest", "Bot", "Web Attack \x96 Brute Force", "Web Attack – Brute Force",
		"Web Attack \x96 XSS", "Web Attack \x96 Sql Injection", "Infiltration", "Heartbleed"} {
		assert.Contains(t, cic, n)
	}
	assert.Equal(t, dataset.Normal, cic["BENIGN"])
	assert.NotContains(t, cic, "Benign", "spelt as the files spell it")
	// The maps are copies.
	cic["BENIGN"] = dataset.DoS
	assert.Equal(t, dataset.Normal, dataset.CICIDS2017Families()["BENIGN"])
	assert.Equal(t, dataset.DoS, dataset.NSLKDDFamilies()["neptune"])
}

// Configuration mistakes are errors that say what to do.
func TestCSVConfigMistakes(t *testing.T) {
	const text = "id,Proto,bytes,label,attack_cat\n1,tcp,3,0,Normal\n"
	for _, c := range []struct {
		name string
		cfg  dataset.CSVConfig
		want string
	}{
		{"label also categorical", dataset.CSVConfig{Label: "label", Binary: dataset.ZeroOne, Categorical: []string{"Proto", "label"}, Ignore: []string{"attack_cat"}},
			`column "label" is both Categorical and Label`},
		{"ignored and categorical", dataset.CSVConfig{Categorical: []string{"Proto"}, Ignore: []string{"Proto"}},
			`column "Proto" is both Categorical and Ignore`},
		{"label ignored", dataset.CSVConfig{Label: "label", Binary: dataset.ZeroOne, Ignore: []string{"label", "attack_cat"}, Categorical: []string{"Proto"}},
			`column "label" is both Label and Ignore`},
		{"label left as a feature", dataset.CSVConfig{Label: "attack_cat", Categories: dataset.UNSWNB15Families(), Categorical: []string{"Proto"}},
			`column "label" looks like a label`},
		{"did you mean, case", dataset.CSVConfig{Categorical: []string{"proto"}}, `did you mean "Proto"?`},
		{"did you mean, spaces", dataset.CSVConfig{Ignore: []string{"i d"}, Categorical: []string{"Proto", "attack_cat"}}, `did you mean "id"?`},
		{"text in a numeric column", dataset.CSVConfig{Categorical: []string{"attack_cat"}}, "CSVConfig.Categorical"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := dataset.ReadCSV(strings.NewReader(text), "m.csv", c.cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, errs.ErrFormat)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// A file of a byte-order mark alone is as empty as an empty file.
func TestBOMOnlyIsEmpty(t *testing.T) {
	for _, text := range []string{"", "\ufeff", "\ufeff\n", "\ufeff\r\n"} {
		for _, cfg := range []dataset.CSVConfig{{}, {Label: "c1"}, {NoHeader: true}} {
			_, err := dataset.ReadCSV(strings.NewReader(text), "bom.csv", cfg)
			assert.ErrorIs(t, err, errs.ErrEmpty, "%q %+v", text, cfg)
			assert.NotErrorIs(t, err, errs.ErrFormat, "%q %+v", text, cfg)
		}
	}
	// A BOM before records of a file without a header is dropped.
	tab, err := dataset.ReadCSV(strings.NewReader("\ufeff1,2\n"), "bom.csv", dataset.CSVConfig{NoHeader: true})
	require.NoError(t, err)
	assert.Equal(t, []float64{1}, tab.Numeric(0))
}

// The Schema a table returns can be asked for an index directly.
func TestSchemaValueMethods(t *testing.T) {
	tab, err := dataset.ReadCSV(strings.NewReader("a,b\n1,2\n"), "s.csv", dataset.CSVConfig{})
	require.NoError(t, err)
	assert.Equal(t, 1, tab.Schema().Index("b"))
	assert.Equal(t, 2, tab.Schema().Len())
	s := tab.Schema()
	assert.True(t, tab.Schema().Equal(&s))
}

// The empty-value error says which setting reads it.
func TestEmptyValueMentionsMissing(t *testing.T) {
	for _, text := range []string{"a,b\n1,\n", "a,b\n1,x\n2,\n"} {
		_, err := dataset.ReadCSV(strings.NewReader(text), "e.csv", dataset.CSVConfig{Categorical: []string{"b"}[:strings.Count(text, "x")]})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "CSVConfig.Missing")
	}
	// Missing-value tokens.
	tab, err := dataset.ReadCSV(strings.NewReader("a,b\n1,NA\nnull,x\nN/A,\n"), "t.csv", dataset.CSVConfig{
		Categorical: []string{"b"}, Missing: dataset.ValuePolicy{Action: dataset.Replace, Value: -1},
		MissingTokens: []string{"NA", "N/A", "null"}})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, -1, -1}, tab.Numeric(0))
	_, levels := tab.Codes(1)
	assert.Equal(t, []string{"", "x"}, levels)
	pol, ok := tab.Policy()
	require.True(t, ok)
	assert.Equal(t, []string{"NA", "N/A", "null"}, pol.MissingTokens)
	_, err = dataset.ReadCSV(strings.NewReader("a\nNA\n"), "t.csv", dataset.CSVConfig{MissingTokens: []string{"NA"}})
	assert.ErrorContains(t, err, "CSVConfig.Missing")
}

func names(s dataset.Schema) []string {
	var out []string
	for _, c := range s.Columns {
		out = append(out, c.Name)
	}
	return out
}

func attacks(t *dataset.Table) []bool {
	out := make([]bool, t.Len())
	for i := range out {
		out[i] = t.IsAttack(i)
	}
	return out
}
