package bundle_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
)

var schema = dataset.Schema{Columns: []dataset.Column{
	{Name: "proto", Kind: dataset.Categorical},
	{Name: "src_bytes", Kind: dataset.Numeric},
	{Name: "dst_bytes", Kind: dataset.Numeric},
	{Name: "ip", Kind: dataset.Categorical},
	{Name: "count", Kind: dataset.Numeric},
}}

var key = []byte("bundle test key, 16+ bytes")

// synth is a small deterministic table: benign rows with moderate byte
// counts, attack rows (every 10th) with floods of connections.
func synth(t testing.TB, n int) *dataset.Table {
	tb := dataset.NewTable(schema)
	protos := []string{"tcp", "udp", "icmp"}
	for i := range n {
		attack := i%10 == 0
		r := dataset.Row{
			Num:   []float64{0, float64(100 + (i*37)%900), float64(1000 + (i*91)%5000), 0, float64(1 + i%7)},
			Cat:   []string{protos[i%3], "", "", "10.0." + strconv.Itoa(i%5) + ".1", ""},
			Label: "normal",
		}
		if attack {
			r.Num[1], r.Num[2], r.Num[4] = 0, 0, float64(200+i%50)
			r.Label, r.Category = "neptune", dataset.DoS
		}
		require.NoError(t, tb.Append(&r))
	}
	return tb
}

func steps() []features.Step {
	return []features.Step{
		features.Select([]string{"src_bytes", "dst_bytes", "count"}, features.Log1p, features.Standardize),
		features.Ratio("src_bytes", "dst_bytes", 1, features.Log),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}),
		features.Pseudonymize("ip", features.PseudonymConfig{Key: key, Buckets: 4}),
	}
}

func labels(t *dataset.Table) []int {
	y := make([]int, t.Len())
	for i := range y {
		if t.IsAttack(i) {
			y[i] = 1
		}
	}
	return y
}

type fitted struct {
	tab *dataset.Table
	p   *features.Pipeline
	x   *mat.Dense
	ifo *iforest.Forest
	rf  *forest.Forest
}

func fitSmall(t testing.TB) fitted {
	tab := synth(t, 400)
	p, err := features.Fit(context.Background(), tab, steps()...)
	require.NoError(t, err)
	x, err := p.TransformTable(context.Background(), tab)
	require.NoError(t, err)
	ifo, err := iforest.Fit(context.Background(), x, iforest.Config{Trees: 20, SampleSize: 64, Seed: 1})
	require.NoError(t, err)
	rf, err := forest.Fit(context.Background(), x, labels(tab), forest.Config{Trees: 10, Seed: 1})
	require.NoError(t, err)
	return fitted{tab, p, x, ifo, rf}
}

func TestRoundTripSmall(t *testing.T) {
	f := fitSmall(t)
	h, err := anomaly.NewHybrid(f.rf, f.ifo, anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.6, ClassifierScale: 0.1, NoveltyScale: 0.05})
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		d    anomaly.Detector
		kind bundle.Kind
	}{
		{"iforest", f.ifo, bundle.IsolationForest},
		{"forest", f.rf, bundle.RandomForest},
		{"hybrid", h, bundle.Hybrid},
	} {
		t.Run(c.name, func(t *testing.T) {
			meta := bundle.Metadata{Name: "test", Training: "synthetic", TrainingRows: 400, Metrics: map[string]float64{"auc": 0.99}}
			b, err := bundle.New(f.p, c.d, 0.55, meta)
			require.NoError(t, err)
			assert.Equal(t, c.kind, b.Kind())
			path := filepath.Join(t.TempDir(), "model.nwb")
			require.NoError(t, b.Save(path))
			l, err := bundle.Load(path)
			require.NoError(t, err)
			assert.Equal(t, c.kind, l.Kind())
			assert.Equal(t, b.Metadata(), l.Metadata())
			assert.Equal(t, anomaly.Threshold(0.55), l.Threshold())
			// The key is not in the file: scoring needs it again.
			var r dataset.Row
			f.tab.Row(0, &r)
			_, err = l.ScoreRow(&r)
			require.ErrorIs(t, err, anomaly.ErrNotFitted)
			require.NoError(t, l.SetKey(key))
			for i := range f.tab.Len() {
				f.tab.Row(i, &r)
				want, err := b.ScoreRow(&r)
				require.NoError(t, err)
				got, err := l.ScoreRow(&r)
				require.NoError(t, err)
				require.Equal(t, math.Float64bits(want.Score), math.Float64bits(got.Score), "row %d", i)
				require.Equal(t, want.Attack, got.Attack)
			}
			// Re-encoding the loaded bundle gives the same bytes.
			b1, err := b.MarshalBinary()
			require.NoError(t, err)
			b2, err := l.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, b1, b2)
		})
	}
}

func TestMetadata(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.6, bundle.Metadata{Training: "synthetic"})
	require.NoError(t, err)
	m := b.Metadata()
	assert.Equal(t, "isolation_forest", m.Model)
	assert.Equal(t, f.p.Names(), m.Features)
	assert.Equal(t, schema.Columns, m.Schema)
	assert.NotEmpty(t, m.Library)
	assert.NotEmpty(t, m.GoVersion)
	assert.WithinDuration(t, time.Now(), m.Created, time.Minute)
	// No raw identifier and no key in the file.
	data, err := b.MarshalBinary()
	require.NoError(t, err)
	for _, secret := range []string{"10.0.0.1", "10.0.3.1", string(key)} {
		assert.False(t, bytes.Contains(data, []byte(secret)), secret)
	}
}

func TestNewErrors(t *testing.T) {
	f := fitSmall(t)
	narrow, err := features.Fit(context.Background(), f.tab, features.Numeric("count"))
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		p    *features.Pipeline
		d    anomaly.Detector
		t    anomaly.Threshold
		meta bundle.Metadata
		err  error
	}{
		{"width", narrow, f.ifo, 0.5, bundle.Metadata{}, anomaly.ErrDimension},
		{"nil detector", f.p, nil, 0.5, bundle.Metadata{}, anomaly.ErrNotFitted},
		{"nil forest", f.p, (*iforest.Forest)(nil), 0.5, bundle.Metadata{}, anomaly.ErrNotFitted},
		{"unknown type", f.p, constant{n: f.p.NumFeatures()}, 0.5, bundle.Metadata{}, anomaly.ErrUnsupported},
		{"nan threshold", f.p, f.ifo, anomaly.Threshold(math.NaN()), bundle.Metadata{}, anomaly.ErrNaN},
		{"nan metric", f.p, f.ifo, 0.5, bundle.Metadata{Metrics: map[string]float64{"auc": math.NaN()}}, anomaly.ErrNaN},
		{"no pipeline", nil, f.ifo, 0.5, bundle.Metadata{}, anomaly.ErrNotFitted},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := bundle.New(c.p, c.d, c.t, c.meta)
			require.ErrorIs(t, err, c.err)
			assert.Regexp(t, "^bundle: ", err.Error())
		})
	}
}

// constant is a detector of a type bundles cannot save.
type constant struct{ n int }

func (c constant) Score([]float64) (float64, error) { return 0, nil }
func (c constant) NumFeatures() int                 { return c.n }

func TestParseErrors(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.rf, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	good, err := b.MarshalBinary()
	require.NoError(t, err)
	reseal := func(data []byte) []byte {
		body := data[:len(data)-32]
		sum := sha256Sum(body)
		return append(bytes.Clone(body), sum...)
	}
	newer := bytes.Clone(good)
	binary.LittleEndian.PutUint16(newer[8:], bundle.Version+1)
	newer = reseal(newer)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x01
	unknownKind := bytes.Clone(good)
	// The kind byte follows metadata, threshold and pipeline.
	ml := int(binary.LittleEndian.Uint32(good[12:]))
	pl := int(binary.LittleEndian.Uint64(good[16+ml+8:]))
	unknownKind[16+ml+8+8+pl] = 99
	unknownKind = reseal(unknownKind)
	for _, c := range []struct {
		name    string
		data    []byte
		err     error
		mention string
	}{
		{"empty", nil, anomaly.ErrFormat, "magic"},
		{"foreign", []byte("{\"learner\": {}}"), anomaly.ErrFormat, "magic"},
		{"header only", good[:12], anomaly.ErrFormat, "truncated"},
		{"truncated", good[:len(good)-100], anomaly.ErrChecksum, "SHA-256"},
		{"flipped byte", flipped, anomaly.ErrChecksum, "SHA-256"},
		{"newer version", newer, anomaly.ErrVersion, "version 2"},
		{"unknown kind", unknownKind, anomaly.ErrFormat, "kind 99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := bundle.Parse(c.data)
			require.ErrorIs(t, err, c.err)
			assert.Contains(t, err.Error(), c.mention)
		})
	}
	for n := range len(good) {
		_, err := bundle.Parse(good[:n])
		require.Error(t, err)
	}
	_, err = bundle.Load(filepath.Join(t.TempDir(), "missing.nwb"))
	require.Error(t, err)
}

func TestScoreRecordAndExplain(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	var r dataset.Row
	f.tab.Row(10, &r) // an attack row
	rec := map[string]string{"proto": r.Cat[0], "src_bytes": "0", "dst_bytes": "0", "ip": r.Cat[3], "count": strconv.FormatFloat(r.Num[4], 'g', -1, 64)}
	byRow, err := b.ScoreRow(&r)
	require.NoError(t, err)
	byRec, err := b.ScoreRecord(rec)
	require.NoError(t, err)
	assert.Equal(t, byRow, byRec)
	assert.Nil(t, byRow.TopFeatures)

	ex, err := b.ExplainRow(&r, 0)
	require.NoError(t, err)
	assert.Equal(t, byRow.Score, ex.Score)
	require.NotEmpty(t, ex.TopFeatures)
	// The contributions per raw column are the model's own (anomaly.Explainer,
	// of the path length, so negated; or else Local-DIFFI) summed through
	// the pipeline's Sources.
	x := make([]float64, f.p.NumFeatures())
	require.NoError(t, f.p.TransformRow(&r, x))
	c := make([]float64, len(x))
	if e, ok := any(f.ifo).(anomaly.Explainer); ok {
		_, err := e.Explain(x, c)
		require.NoError(t, err)
		for i := range c {
			c[i] = -c[i]
		}
	} else {
		require.NoError(t, f.ifo.Contributions(x, c))
	}
	want := map[string]float64{}
	for i, v := range c {
		src := f.p.Sources(i)
		for _, s := range src {
			want[s] += v / float64(len(src))
		}
	}
	for i, tf := range ex.TopFeatures {
		assert.InDelta(t, want[tf.Column], tf.Value, 1e-12, tf.Column)
		if i > 0 {
			assert.GreaterOrEqual(t, ex.TopFeatures[i-1].Value, tf.Value)
		}
	}
	top2, err := b.ExplainRecord(rec, 2)
	require.NoError(t, err)
	assert.Equal(t, ex.TopFeatures[:min(2, len(ex.TopFeatures))], top2.TopFeatures)

	// A model that cannot explain: TopFeatures stays nil.
	rb, err := bundle.New(f.p, f.rf, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	res, err := rb.ExplainRow(&r, 3)
	require.NoError(t, err)
	if _, ok := any(f.rf).(anomaly.Explainer); !ok {
		assert.Nil(t, res.TopFeatures)
	}

	// A hybrid explains with its dominant part: here a novelty threshold
	// far below every score makes the Isolation Forest dominate.
	h, err := anomaly.NewHybrid(f.rf, f.ifo, anomaly.HybridParams{ClassifierThreshold: 2, NoveltyThreshold: 0, ClassifierScale: 1, NoveltyScale: 1})
	require.NoError(t, err)
	hb, err := bundle.New(f.p, h, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	hres, err := hb.ExplainRow(&r, 0)
	require.NoError(t, err)
	assert.Equal(t, ex.TopFeatures, hres.TopFeatures)

	// Errors name the column.
	delete(rec, "count")
	_, err = b.ScoreRecord(rec)
	require.ErrorIs(t, err, anomaly.ErrDimension)
	assert.Contains(t, err.Error(), `"count"`)
}

func TestScoreTable(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	got, err := b.ScoreTable(context.Background(), f.tab)
	require.NoError(t, err)
	var r dataset.Row
	for i := range f.tab.Len() {
		f.tab.Row(i, &r)
		res, err := b.ScoreRow(&r)
		require.NoError(t, err)
		require.Equal(t, res.Score, got[i])
	}
}

func TestScoreRowAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items)")
	}
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	var r dataset.Row
	f.tab.Row(3, &r)
	rec := map[string]string{"proto": "tcp", "src_bytes": "10", "dst_bytes": "20", "ip": "10.0.0.1", "count": "3"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = b.ScoreRow(&r) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = b.ScoreRecord(rec) }))

	// The To forms give the same explanation as ExplainRow and
	// ExplainRecord, in the caller's storage, without allocating.
	want, err := b.ExplainRecord(rec, 3)
	require.NoError(t, err)
	require.NotEmpty(t, want.TopFeatures)
	dst := make([]bundle.Contribution, 0, 8)
	got, err := b.ExplainRecordTo(rec, 3, dst)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Same(t, &dst[:1][0], &got.TopFeatures[0], "built in dst's storage")
	wantRow, err := b.ExplainRow(&r, 0)
	require.NoError(t, err)
	gotRow, err := b.ExplainRowTo(&r, 0, dst)
	require.NoError(t, err)
	assert.Equal(t, wantRow, gotRow)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = b.ExplainRecordTo(rec, 3, dst) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = b.ExplainRowTo(&r, 3, dst) }))
}

func TestConcurrentScoring(t *testing.T) {
	f := fitSmall(t)
	b, err := bundle.New(f.p, f.ifo, 0.5, bundle.Metadata{})
	require.NoError(t, err)
	want, err := b.ScoreTable(context.Background(), f.tab)
	require.NoError(t, err)
	errc := make(chan error, 4)
	for w := range 4 {
		go func() {
			var r dataset.Row
			for i := w; i < f.tab.Len(); i += 4 {
				f.tab.Row(i, &r)
				res, err := b.ExplainRow(&r, 3)
				if err == nil && res.Score != want[i] {
					err = assert.AnError
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 4 {
		require.NoError(t, <-errc)
	}
}
