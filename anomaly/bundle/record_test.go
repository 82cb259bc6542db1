package bundle_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
)

// cicLike is a CICFlowMeter-style export: names with a leading space, a
// repeated name, "Infinity" in a rate column, fields padded with spaces,
// and "NA" for a missing value.
const cicLike = "\ufeff Destination Port, Flow Bytes/s, Fwd Header Length, Fwd Header Length, Protocol, Label\n" +
	"80, 12, 40, 40, tcp, BENIGN\n" +
	"443,Infinity,20,20,tcp,BENIGN\n" +
	"53, 3.5 , NA, 8,udp,BENIGN\n" +
	"80,1e6,40,40,tcp,DDoS\n" +
	"22,0,32,32,tcp,BENIGN\n" +
	"80,9e5,40,41,tcp,DDoS\n" +
	"123,7,8,8,udp,BENIGN\n" +
	"80,8e5,40,40,tcp,DDoS\n"

var cicConfig = dataset.CSVConfig{
	Categorical:   []string{"Protocol"},
	Label:         "Label",
	Inf:           dataset.ValuePolicy{Action: dataset.Replace, Value: 0},
	Missing:       dataset.ValuePolicy{Action: dataset.Replace, Value: 0},
	MissingTokens: []string{"NA"},
	Categories:    map[string]dataset.Category{"BENIGN": dataset.Normal, "DDoS": dataset.DoS},
}

// rawRecords returns the records of text keyed by the file's own header
// names, as pandas' read_csv names them (untrimmed, a repeated name
// suffixed ".1"), with the fields as they stand in the file.
func rawRecords(text string) []map[string]string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	keys := strings.Split(strings.TrimPrefix(lines[0], "\ufeff"), ",")
	seen := map[string]int{}
	for i, k := range keys {
		if n := seen[k]; n > 0 {
			keys[i] = k + "." + string(rune('0'+n))
		}
		seen[strings.Split(keys[i], ".")[0]]++
	}
	var out []map[string]string
	for _, l := range lines[1:] {
		rec := map[string]string{}
		for i, v := range strings.Split(l, ",") {
			rec[keys[i]] = v
		}
		out = append(out, rec)
	}
	return out
}

func cicBundle(t *testing.T) (*bundle.Bundle, *dataset.Table) {
	tab, err := dataset.ReadCSV(strings.NewReader(cicLike), "cic.csv", cicConfig)
	require.NoError(t, err)
	require.Equal(t, []string{"Destination Port", "Flow Bytes/s", "Fwd Header Length", "Fwd Header Length.1", "Protocol"},
		columnNames(tab.Schema()))
	p, err := features.Fit(context.Background(), tab,
		features.AllNumeric(features.Log1p),
		features.OneHot("Protocol", features.OneHotConfig{}))
	require.NoError(t, err)
	x, err := p.TransformTable(context.Background(), tab)
	require.NoError(t, err)
	rf, err := forest.Fit(context.Background(), x, labels(tab), forest.Config{Trees: 5, Seed: 1})
	require.NoError(t, err)
	b, err := bundle.New(p, rf, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	return b, tab
}

func columnNames(s dataset.Schema) []string {
	var out []string
	for _, c := range s.Columns {
		out = append(out, c.Name)
	}
	return out
}

// A raw record that loaded at training scores, with the keys of the file's
// own header and its values as they stand ("Infinity" under Inf: Replace,
// " 12", "NA"), before and after a save.
func TestScoreRecordParsesAsLoaded(t *testing.T) {
	b, tab := cicBundle(t)
	data, err := b.MarshalBinary()
	require.NoError(t, err)
	loaded, err := bundle.Parse(data)
	require.NoError(t, err)
	assert.Equal(t, cicConfig.Policy(), loaded.Policy())
	recs := rawRecords(cicLike)
	require.Len(t, recs, tab.Len())
	var r dataset.Row
	for i, rec := range recs {
		tab.Row(i, &r)
		want, err := b.ScoreRow(&r)
		require.NoError(t, err)
		for _, bb := range []*bundle.Bundle{b, loaded} {
			got, err := bb.ScoreRecord(rec)
			require.NoError(t, err, "record %d: %v", i, rec)
			assert.Equal(t, want, got, "record %d", i)
			ex, err := bb.ExplainRecord(rec, 0)
			require.NoError(t, err, "record %d", i)
			assert.Equal(t, want.Score, ex.Score)
		}
	}
	// What the loader rejects, scoring rejects too, with the column named.
	bad := maps(recs[0])
	bad[" Flow Bytes/s"] = "udp"
	_, err = loaded.ScoreRecord(bad)
	require.ErrorIs(t, err, anomaly.ErrFormat)
	assert.Contains(t, err.Error(), `"Flow Bytes/s"`)
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// A pipeline saved before pipelines kept their policy (format version 1)
// still loads, with the legacy policy.
func TestOldPipelineVersionReadsWithLegacyPolicy(t *testing.T) {
	f := fitSmall(t)
	assert.Equal(t, dataset.LegacyRecordPolicy(), f.p.Policy(), "a table built in code has no policy")
	pb, err := f.p.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 0}, pb[4:6], "a legacy-policy pipeline is written as version 1")
	var q features.Pipeline
	require.NoError(t, q.UnmarshalBinary(pb))
	assert.Equal(t, dataset.LegacyRecordPolicy(), q.Policy())

	b, _ := cicBundle(t)
	pb, err = b.Pipeline().MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, []byte{3, 0}, pb[4:6], "a pipeline with a policy is written as version 3")
	require.NoError(t, q.UnmarshalBinary(pb))
	assert.Equal(t, cicConfig.Policy(), q.Policy())
}

func TestScoreNilRow(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	for name, call := range map[string]func() error{
		"ScoreRow":     func() error { _, err := b.ScoreRow(nil); return err },
		"ExplainRow":   func() error { _, err := b.ExplainRow(nil, 3); return err },
		"ExplainRowTo": func() error { _, err := b.ExplainRowTo(nil, 3, nil); return err },
	} {
		err := call()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, anomaly.ErrDimension, name)
	}
}

func TestUnseenCategories(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	rec := map[string]string{"proto": "tcp", "src_bytes": "10", "dst_bytes": "20", "ip": "10.0.0.1", "count": "3"}
	res, err := b.ScoreRecord(rec)
	require.NoError(t, err)
	assert.Nil(t, res.Unseen)
	assert.Empty(t, b.UnseenCounts())

	rec["proto"] = "TCP" // training saw "tcp"
	for range 3 {
		res, err = b.ScoreRecord(rec)
		require.NoError(t, err)
		assert.Equal(t, []string{"proto"}, res.Unseen)
	}
	ex, err := b.ExplainRecord(rec, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"proto"}, ex.Unseen)
	var r dataset.Row
	f.tab.Row(0, &r)
	r.Cat[0] = "sctp"
	res, err = b.ScoreRow(&r)
	require.NoError(t, err)
	assert.Equal(t, []string{"proto"}, res.Unseen)
	assert.Equal(t, map[string]int64{"proto": 5}, b.UnseenCounts())
	// The pseudonymised column hashes every value: it has no unseen values.
	rec["ip"] = "192.0.2.77"
	res, err = b.ScoreRecord(rec)
	require.NoError(t, err)
	assert.Equal(t, []string{"proto"}, res.Unseen)
	if !raceEnabled {
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = b.ScoreRecord(rec) }), "one unseen column allocates nothing")
	}
}

// Every explanation of a bundle says which model (and part) it explains
// and in which unit, and is signed so that positive pushes towards attack:
// the sum of the contributions rises with the score for every model.
func TestExplainedModelAndUnit(t *testing.T) {
	f := fitSmall(t)
	hNov, err := anomaly.NewHybrid(f.rf, f.ifo, anomaly.HybridParams{ClassifierThreshold: 2, NoveltyThreshold: 0, ClassifierScale: 1, NoveltyScale: 1})
	require.NoError(t, err)
	hCls, err := anomaly.NewHybrid(f.rf, f.ifo, anomaly.HybridParams{ClassifierThreshold: 0, NoveltyThreshold: 2, ClassifierScale: 1, NoveltyScale: 1})
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		d    anomaly.Detector
		want bundle.Explained
	}{
		{"iforest", f.ifo, bundle.Explained{Model: "isolation_forest", Unit: bundle.UnitPathLength}},
		{"forest", f.rf, bundle.Explained{Model: "random_forest", Unit: bundle.UnitProbability}},
		{"hybrid novelty", hNov, bundle.Explained{Model: "isolation_forest", Part: "novelty", Unit: bundle.UnitPathLength}},
		{"hybrid classifier", hCls, bundle.Explained{Model: "random_forest", Part: "classifier", Unit: bundle.UnitProbability}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := bundle.New(f.p, c.d, 0.5, bundle.Metadata{})
			require.NoError(t, err)
			type pt struct{ score, sum float64 }
			var pts []pt
			var r dataset.Row
			for i := range 60 {
				f.tab.Row(i, &r)
				res, err := b.ExplainRow(&r, 0)
				require.NoError(t, err)
				require.NotEmpty(t, res.TopFeatures)
				assert.Equal(t, c.want, res.Explained)
				s := 0.0
				for _, tf := range res.TopFeatures {
					s += tf.Value
				}
				var part float64
				switch d := c.d.(type) {
				case *anomaly.Hybrid:
					x := make([]float64, f.p.NumFeatures())
					require.NoError(t, f.p.TransformRow(&r, x))
					if c.want.Part == "novelty" {
						part, err = d.Novelty().Score(x)
					} else {
						part, err = d.Classifier().Score(x)
					}
					require.NoError(t, err)
				default:
					part = res.Score
				}
				pts = append(pts, pt{part, s})
			}
			sort.Slice(pts, func(i, j int) bool { return pts[i].score < pts[j].score })
			for i := 1; i < len(pts); i++ {
				if pts[i].score > pts[i-1].score+1e-12 {
					assert.GreaterOrEqual(t, pts[i].sum, pts[i-1].sum-1e-9, "a higher score has a larger sum of contributions")
				}
			}
		})
	}
	// Scoring alone explains nothing.
	b, err := bundle.New(f.p, f.rf, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	var r dataset.Row
	f.tab.Row(0, &r)
	res, err := b.ScoreRow(&r)
	require.NoError(t, err)
	assert.Zero(t, res.Explained)
}

// A raw line that trained scores: a reader configured with the bundle's
// policy reads the training file's lines into the rows that trained.
func TestScoreRawLinesWithBundlePolicy(t *testing.T) {
	b, tab := cicBundle(t)
	data, err := b.MarshalBinary()
	require.NoError(t, err)
	loaded, err := bundle.Parse(data)
	require.NoError(t, err)
	cfg := dataset.CSVConfig{Categorical: []string{"Protocol"}, Label: "Label",
		Categories: map[string]dataset.Category{"BENIGN": dataset.Normal, "DDoS": dataset.DoS}}
	loaded.Policy().ApplyTo(&cfg)
	rd, err := dataset.NewCSVReader(strings.NewReader(cicLike), "live.csv", cfg)
	require.NoError(t, err)
	var r, want dataset.Row
	for i := 0; ; i++ {
		if err := rd.Read(&r); err != nil {
			require.Equal(t, tab.Len(), i)
			break
		}
		tab.Row(i, &want)
		got, err := loaded.ScoreRow(&r)
		require.NoError(t, err, "line %d", rd.Line())
		exp, err := b.ScoreRow(&want)
		require.NoError(t, err)
		assert.Equal(t, exp, got, "line %d", rd.Line())
	}
}

// An XGBoost bundle's explanation is of the log-odds, and a category
// outside its code lists is reported unseen.
func TestXGBoostExplainedAndUnseen(t *testing.T) {
	b, _, te := categoricalBundle(t)
	var r dataset.Row
	te.Row(0, &r)
	res, err := b.ExplainRow(&r, 3)
	require.NoError(t, err)
	require.NotEmpty(t, res.TopFeatures)
	assert.Equal(t, bundle.Explained{Model: "xgboost", Unit: bundle.UnitLogOdds}, res.Explained)
	assert.Nil(t, res.Unseen)
	r.Cat[te.Schema().Index("service")] = "HTTP"
	res, err = b.ScoreRow(&r)
	require.NoError(t, err)
	assert.Equal(t, []string{"service"}, res.Unseen)
}

func TestExplainScoredRowCountsOnce(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	var r dataset.Row
	f.tab.Row(0, &r)
	r.Cat[0] = "sctp" // training never saw it
	scored, err := b.ScoreRow(&r)
	require.NoError(t, err)
	ex, err := b.ExplainScoredRowTo(&r, 2, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"proto": 1}, b.UnseenCounts(), "scored and explained, counted once")
	assert.Equal(t, scored.Score, ex.Score)
	assert.Equal(t, []string{"proto"}, ex.Unseen)
	want, err := b.ExplainRowTo(&r, 2, nil)
	require.NoError(t, err)
	assert.Equal(t, want.TopFeatures, ex.TopFeatures)
	assert.Equal(t, map[string]int64{"proto": 2}, b.UnseenCounts(), "ExplainRowTo is a scoring call and counts")
	_, err = b.ExplainScoredRowTo(nil, 2, nil)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
}
