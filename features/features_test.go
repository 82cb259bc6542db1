package features_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

var testSchema = dataset.Schema{Columns: []dataset.Column{
	{Name: "bytes", Kind: dataset.Numeric},
	{Name: "proto", Kind: dataset.Categorical},
	{Name: "back", Kind: dataset.Numeric},
	{Name: "ip", Kind: dataset.Categorical},
	{Name: "rate", Kind: dataset.Numeric},
}}

type rec struct {
	bytes float64
	proto string
	back  float64
	ip    string
	rate  float64
}

func table(t testing.TB, rows ...rec) *dataset.Table {
	tb := dataset.NewTable(testSchema)
	for _, r := range rows {
		row := dataset.Row{
			Num:   []float64{r.bytes, 0, r.back, 0, r.rate},
			Cat:   []string{"", r.proto, "", r.ip, ""},
			Label: "normal",
		}
		require.NoError(t, tb.Append(&row))
	}
	return tb
}

func row(r rec) *dataset.Row {
	return &dataset.Row{Num: []float64{r.bytes, 0, r.back, 0, r.rate}, Cat: []string{"", r.proto, "", r.ip, ""}}
}

func train(t testing.TB) *dataset.Table {
	return table(t,
		rec{0, "tcp", 10, "10.0.0.1", 0},
		rec{9, "udp", 0, "10.0.0.2", 0.5},
		rec{99, "tcp", 1, "10.0.0.3", 1},
		rec{999, "icmp", 3, "10.0.0.1", 0.5},
	)
}

var key = []byte("0123456789abcdef-test-key")

func fit(t testing.TB, steps ...features.Step) *features.Pipeline {
	p, err := features.Fit(context.Background(), train(t), steps...)
	require.NoError(t, err)
	return p
}

func transform(t testing.TB, p *features.Pipeline, r rec) []float64 {
	dst := make([]float64, p.NumFeatures())
	require.NoError(t, p.TransformRow(row(r), dst))
	return dst
}

func TestSteps(t *testing.T) {
	l := math.Log1p
	mean := (l(0) + l(9) + l(99) + l(999)) / 4
	var ss float64
	for _, v := range []float64{l(0), l(9), l(99), l(999)} {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / 4)
	probe := rec{99, "udp", 3, "10.0.0.9", 0.25}
	for _, c := range []struct {
		name    string
		steps   []features.Step
		names   []string
		sources [][]string
		want    []float64
	}{
		{"numeric as is", []features.Step{features.Numeric("bytes")}, []string{"bytes"}, [][]string{{"bytes"}}, []float64{99}},
		{"log1p then standardize", []features.Step{features.Numeric("bytes", features.Log1p, features.Standardize)},
			[]string{"log1p(bytes)"}, [][]string{{"bytes"}}, []float64{(l(99) - mean) / sd}},
		{"minmax", []features.Step{features.Numeric("bytes", features.MinMax)}, []string{"bytes"}, nil, []float64{99.0 / 999}},
		// sorted 0 9 99 999: median 54, q25 6.75, q75 324
		{"robust", []features.Step{features.Numeric("bytes", features.Robust)}, []string{"bytes"}, nil, []float64{(99 - 54) / (324 - 6.75)}},
		{"select", []features.Step{features.Select([]string{"rate", "bytes"})}, []string{"rate", "bytes"}, [][]string{{"rate"}, {"bytes"}}, []float64{0.25, 99}},
		{"drop", []features.Step{features.Drop([]string{"back"})}, []string{"bytes", "rate"}, nil, []float64{99, 0.25}},
		{"ratio", []features.Step{features.Ratio("bytes", "back", 1)}, []string{"ratio(bytes,back)"}, [][]string{{"bytes", "back"}}, []float64{100.0 / 4}},
		{"ratio log renamed", []features.Step{features.Ratio("bytes", "back", 0, features.Log).As("up")}, []string{"log(up)"}, nil, []float64{math.Log(100.0 / 4)}},
		{"mean", []features.Step{features.Mean("err", []string{"back", "rate"})}, []string{"err"}, [][]string{{"back", "rate"}}, []float64{1.625}},
		{"onehot", []features.Step{features.OneHot("proto", features.OneHotConfig{})},
			[]string{"proto=icmp", "proto=tcp", "proto=udp"}, nil, []float64{0, 0, 1}},
		{"onehot rare folded", []features.Step{features.OneHot("proto", features.OneHotConfig{MinCount: 2})},
			[]string{"proto=tcp", "proto=(other)"}, nil, []float64{0, 1}},
		{"onehot mapped", []features.Step{features.OneHot("proto", features.OneHotConfig{Map: map[string]string{"tcp": "stream"}}).As("class")},
			[]string{"class=other", "class=stream"}, [][]string{{"proto"}, {"proto"}}, []float64{1, 0}},
		{"pseudonymize", []features.Step{features.Pseudonymize("ip", features.PseudonymConfig{Key: key, Buckets: 2})},
			[]string{"ip#0", "ip#1"}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := fit(t, c.steps...)
			assert.Equal(t, c.names, p.Names())
			for i, s := range c.sources {
				assert.Equal(t, s, p.Sources(i))
			}
			got := transform(t, p, probe)
			if c.want != nil {
				assert.InDeltaSlice(t, c.want, got, 1e-12)
			}
			// The map form of the same record gives the same row.
			m := map[string]string{"bytes": "99", "proto": "udp", "back": "3", "ip": "10.0.0.9", "rate": "0.25"}
			got2 := make([]float64, p.NumFeatures())
			require.NoError(t, p.TransformRecord(m, got2))
			assert.Equal(t, got, got2)
		})
	}
}

func TestUnknownLevels(t *testing.T) {
	unseen := rec{1, "sctp", 1, "x", 0}
	for _, c := range []struct {
		cfg  features.OneHotConfig
		want []float64
		err  error
	}{
		{features.OneHotConfig{}, []float64{0, 0, 0}, nil},
		{features.OneHotConfig{Unknown: features.UnknownOther, Other: "rest"}, []float64{0, 0, 0, 1}, nil},
		{features.OneHotConfig{Unknown: features.UnknownError}, nil, anomaly.ErrUnknownCategory},
	} {
		t.Run(c.cfg.Unknown.String(), func(t *testing.T) {
			p := fit(t, features.OneHot("proto", c.cfg))
			dst := make([]float64, p.NumFeatures())
			err := p.TransformRow(row(unseen), dst)
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
				assert.Contains(t, err.Error(), `"proto"`)
				assert.Contains(t, err.Error(), `"sctp"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, dst)
			if c.cfg.Unknown == features.UnknownOther {
				assert.Equal(t, "proto=rest", p.Names()[3])
			}
		})
	}
}

func TestErrors(t *testing.T) {
	ok := rec{1, "tcp", 1, "a", 0}
	for _, c := range []struct {
		name    string
		steps   []features.Step
		row     *dataset.Row
		rec     map[string]string
		err     error
		mention string
	}{
		{"nan", []features.Step{features.Numeric("bytes")}, row(rec{math.NaN(), "tcp", 0, "", 0}), nil, anomaly.ErrNaN, `"bytes"`},
		{"inf", []features.Step{features.Numeric("rate")}, row(rec{0, "tcp", 0, "", math.Inf(1)}), nil, anomaly.ErrNaN, `"rate"`},
		{"nan in ratio", []features.Step{features.Ratio("bytes", "back", 1)}, row(rec{0, "tcp", math.NaN(), "", 0}), nil, anomaly.ErrNaN, `"back"`},
		{"log of negative", []features.Step{features.Numeric("back", features.Log1p)}, row(rec{0, "tcp", -2, "", 0}), nil, anomaly.ErrNaN, `"back"`},
		{"short row", []features.Step{features.Numeric("bytes")},
			&dataset.Row{Num: []float64{1, 0, 1}, Cat: []string{"", "tcp", ""}}, nil, anomaly.ErrDimension, `missing column "ip"`},
		{"long row", []features.Step{features.Numeric("bytes")},
			&dataset.Row{Num: make([]float64, 6), Cat: make([]string, 6)}, nil, anomaly.ErrDimension, "fitted on 5"},
		{"record without column", []features.Step{features.OneHot("proto", features.OneHotConfig{})}, nil,
			map[string]string{"bytes": "1"}, anomaly.ErrDimension, `"proto"`},
		{"record not a number", []features.Step{features.Numeric("bytes")}, nil,
			map[string]string{"bytes": "lots"}, anomaly.ErrFormat, `"bytes"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := fit(t, c.steps...)
			dst := make([]float64, p.NumFeatures())
			var err error
			if c.rec != nil {
				err = p.TransformRecord(c.rec, dst)
			} else {
				err = p.TransformRow(c.row, dst)
			}
			require.ErrorIs(t, err, c.err)
			assert.Contains(t, err.Error(), c.mention)
			assert.Regexp(t, "^features: ", err.Error())
		})
	}
	t.Run("zero pipeline", func(t *testing.T) {
		var p features.Pipeline
		require.ErrorIs(t, p.TransformRow(row(ok), nil), anomaly.ErrNotFitted)
		require.ErrorIs(t, p.TransformRecord(nil, nil), anomaly.ErrNotFitted)
		_, err := p.TransformTable(context.Background(), train(t))
		require.ErrorIs(t, err, anomaly.ErrNotFitted)
	})
	t.Run("dst length", func(t *testing.T) {
		p := fit(t, features.Numeric("bytes"))
		require.ErrorIs(t, p.TransformRow(row(ok), make([]float64, 2)), anomaly.ErrDimension)
	})
	t.Run("nan kept", func(t *testing.T) {
		p := fit(t, features.Numeric("bytes", features.Standardize).KeepNaN())
		dst := transform(t, p, rec{math.NaN(), "tcp", 0, "", 0})
		assert.True(t, math.IsNaN(dst[0]))
	})
}

func TestFitErrors(t *testing.T) {
	nanTable := table(t, rec{1, "tcp", 0, "", 0}, rec{math.NaN(), "tcp", 0, "", 0})
	for _, c := range []struct {
		name    string
		tab     *dataset.Table
		steps   []features.Step
		err     error
		mention string
	}{
		{"empty table", dataset.NewTable(testSchema), features.Reference(), anomaly.ErrEmpty, "without rows"},
		{"no steps", train(t), nil, anomaly.ErrEmpty, "without steps"},
		{"missing column", train(t), []features.Step{features.Numeric("nope")}, anomaly.ErrDimension, `"nope"`},
		{"wrong kind", train(t), []features.Step{features.OneHot("bytes", features.OneHotConfig{})}, anomaly.ErrDimension, `"bytes" is numeric`},
		{"nan in training", nanTable, []features.Step{features.Numeric("bytes")}, anomaly.ErrNaN, "row 1"},
		{"short key", train(t), []features.Step{features.Pseudonymize("ip", features.PseudonymConfig{Key: []byte("short")})}, anomaly.ErrDimension, "key"},
		{"duplicate names", train(t), []features.Step{features.Numeric("bytes"), features.Numeric("bytes")}, anomaly.ErrFormat, `"bytes"`},
		{"bad op", train(t), []features.Step{features.Numeric("bytes", features.Op(99))}, anomaly.ErrUnsupported, "op 99"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := features.Fit(context.Background(), c.tab, c.steps...)
			require.ErrorIs(t, err, c.err)
			assert.Contains(t, err.Error(), c.mention)
		})
	}
}

func TestTransformTableSchema(t *testing.T) {
	p := fit(t, features.Numeric("bytes"))
	other := dataset.NewTable(dataset.Schema{Columns: []dataset.Column{{Name: "bytes", Kind: dataset.Numeric}, {Name: "proto", Kind: dataset.Numeric}}})
	_, err := p.TransformTable(context.Background(), other)
	require.ErrorIs(t, err, anomaly.ErrDimension)
	assert.Contains(t, err.Error(), `"proto"`)

	bad := table(t, rec{1, "tcp", 0, "", 0}, rec{math.NaN(), "tcp", 0, "", 0})
	_, err = p.TransformTable(context.Background(), bad)
	require.ErrorIs(t, err, anomaly.ErrNaN)
	assert.Contains(t, err.Error(), "row 1")

	x, err := p.TransformTable(context.Background(), train(t))
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 9, 99, 999}, x.RawMatrix().Data)
}

// TestPseudonymizeNoRawIdentifier checks the GDPR contract: the raw
// identifiers and the key appear neither in the saved bytes nor in the JSON
// description, the key must be given again after loading, and a wrong key
// is refused.
func TestPseudonymizeNoRawIdentifier(t *testing.T) {
	p := fit(t, features.Pseudonymize("ip", features.PseudonymConfig{Key: key, Buckets: 8}), features.Numeric("bytes"))
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	j, err := json.Marshal(p)
	require.NoError(t, err)
	for _, secret := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", string(key)} {
		assert.False(t, bytes.Contains(b, []byte(secret)), secret)
		assert.False(t, bytes.Contains(j, []byte(secret)), secret)
	}
	want := transform(t, p, rec{5, "tcp", 0, "192.168.1.1", 0})
	assert.Equal(t, 1.0, sum(want[:8]))

	var q features.Pipeline
	require.NoError(t, q.UnmarshalBinary(b))
	assert.True(t, q.NeedsKey())
	dst := make([]float64, q.NumFeatures())
	require.ErrorIs(t, q.TransformRow(row(rec{5, "tcp", 0, "192.168.1.1", 0}), dst), anomaly.ErrNotFitted)
	require.ErrorIs(t, q.SetKey([]byte("another key of 16+ bytes")), anomaly.ErrFormat)
	require.NoError(t, q.SetKey(key))
	assert.False(t, q.NeedsKey())
	assert.Equal(t, want, transform(t, &q, rec{5, "tcp", 0, "192.168.1.1", 0}))
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func TestPseudonymizer(t *testing.T) {
	p, err := features.NewPseudonymizer(key)
	require.NoError(t, err)
	tok := p.Token("310150123456789")
	assert.Len(t, tok, 32)
	assert.Equal(t, tok, p.Token("310150123456789"))
	assert.NotEqual(t, tok, p.Token("310150123456788"))
	q, err := features.NewPseudonymizer(append([]byte("x"), key...))
	require.NoError(t, err)
	assert.NotEqual(t, tok, q.Token("310150123456789"))
	assert.NotEqual(t, p.KeyID(), q.KeyID())
	// Buckets spread evenly: 4096 identifiers over 8 buckets.
	var counts [8]int
	for i := range 4096 {
		counts[p.Bucket("10.1."+strconv.Itoa(i/256)+"."+strconv.Itoa(i%256), 8)]++
	}
	for _, c := range counts {
		assert.InDelta(t, 512, c, 100)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	steps := []features.Step{
		features.Drop(nil, features.Log1p, features.Robust),
		features.Ratio("bytes", "back", 2, features.Log, features.MinMax),
		features.Mean("m", []string{"bytes", "rate"}, features.Standardize).KeepNaN(),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther, MinCount: 2, Map: map[string]string{"udp": "dgram", "tcp": "stream"}}),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownError}).As("p"),
	}
	p := fit(t, steps...)
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	var q features.Pipeline
	require.NoError(t, q.UnmarshalBinary(b))
	assert.Equal(t, p.Names(), q.Names())
	assert.Equal(t, p.Describe(), q.Describe())
	for _, r := range []rec{{0, "tcp", 10, "", 0}, {9, "udp", 0, "", 0.5}, {7, "icmp", 3, "", 1}} {
		assert.Equal(t, transform(t, p, r), transform(t, &q, r))
	}
	b2, err := q.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, b2, "encoding is deterministic")
}

func TestUnmarshalErrors(t *testing.T) {
	p := fit(t, features.Standard()[0], features.OneHot("proto", features.OneHotConfig{}))
	good, err := p.MarshalBinary()
	require.NoError(t, err)
	newer := bytes.Clone(good)
	newer[4] = features.Version + 1
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	for _, c := range []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, anomaly.ErrFormat},
		{"foreign", []byte("PK\x03\x04 a zip file, not a pipeline"), anomaly.ErrFormat},
		{"header only", good[:6], anomaly.ErrFormat},
		{"truncated", good[:len(good)-9], anomaly.ErrChecksum},
		{"flipped byte", flipped, anomaly.ErrChecksum},
		{"newer version", newer, anomaly.ErrVersion},
	} {
		t.Run(c.name, func(t *testing.T) {
			var q features.Pipeline
			err := q.UnmarshalBinary(c.b)
			require.ErrorIs(t, err, c.err)
			assert.Regexp(t, "^features: ", err.Error())
		})
	}
	// Every truncation is an error, never a panic.
	for n := range len(good) {
		var q features.Pipeline
		require.Error(t, q.UnmarshalBinary(good[:n]), "length %d", n)
	}
	_, err = (&features.Pipeline{}).MarshalBinary()
	require.ErrorIs(t, err, anomaly.ErrNotFitted)
}

func TestConcurrentTransform(t *testing.T) {
	p := fit(t, features.Drop(nil, features.Standardize), features.OneHot("proto", features.OneHotConfig{}),
		features.Pseudonymize("ip", features.PseudonymConfig{Key: key}))
	want := transform(t, p, rec{3, "udp", 1, "10.9.9.9", 0.5})
	errc := make(chan error, 8)
	for range 8 {
		go func() {
			dst := make([]float64, p.NumFeatures())
			for range 200 {
				if err := p.TransformRow(row(rec{3, "udp", 1, "10.9.9.9", 0.5}), dst); err != nil {
					errc <- err
					return
				}
				for i := range dst {
					if dst[i] != want[i] {
						errc <- errors.New("different output under concurrency")
						return
					}
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errc)
	}
}

func TestTransformRowAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items)")
	}
	p := fit(t, features.Drop(nil, features.Log1p, features.Standardize), features.Ratio("bytes", "back", 1, features.Log),
		features.Mean("m", []string{"bytes", "back", "rate"}), features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}),
		features.Pseudonymize("ip", features.PseudonymConfig{Key: key}))
	r := row(rec{3, "udp", 1, "10.9.9.9", 0.5})
	m := map[string]string{"bytes": "3", "proto": "udp", "back": "1", "ip": "10.9.9.9", "rate": "0.5"}
	dst := make([]float64, p.NumFeatures())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = p.TransformRow(r, dst) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = p.TransformRecord(m, dst) }))
}
