package features_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

var protoCodes = map[string]int{"icmp": 0, "tcp": 1, "udp": 2}

func TestCodes(t *testing.T) {
	p := fit(t, features.Numeric("bytes"), features.Codes("proto", protoCodes), features.Numeric("rate"))
	assert.Equal(t, []string{"bytes", "proto", "rate"}, p.Names())
	assert.Equal(t, []string{"proto"}, p.Sources(1))
	for _, c := range []struct {
		proto string
		want  float64 // NaN: unseen
	}{
		{"icmp", 0}, {"tcp", 1}, {"udp", 2},
		{"sctp", math.NaN()}, {"", math.NaN()}, {"TCP", math.NaN()},
	} {
		t.Run(c.proto, func(t *testing.T) {
			got := transform(t, p, rec{5, c.proto, 0, "", 0.25})
			assert.Equal(t, 5.0, got[0])
			assert.Equal(t, 0.25, got[2])
			if math.IsNaN(c.want) {
				assert.True(t, math.IsNaN(got[1]), "unseen %q gives %g, want NaN", c.proto, got[1])
			} else {
				assert.Equal(t, c.want, got[1])
			}
		})
	}
	// The same through a record given as text.
	dst := make([]float64, 3)
	require.NoError(t, p.TransformRecord(map[string]string{"bytes": "7", "proto": "udp", "rate": "1"}, dst))
	assert.Equal(t, []float64{7, 2, 1}, dst)
	require.NoError(t, p.TransformRecord(map[string]string{"bytes": "7", "proto": "gre", "rate": "1"}, dst))
	assert.True(t, math.IsNaN(dst[1]))
	err := p.TransformRecord(map[string]string{"bytes": "7", "rate": "1"}, dst)
	assert.ErrorIs(t, err, anomaly.ErrDimension)

	// The given map is copied: changing it later changes nothing.
	m := map[string]int{"tcp": 4}
	s := features.Codes("proto", m)
	m["tcp"] = 9
	q := fit(t, s.As("p"))
	assert.Equal(t, []string{"p"}, q.Names())
	assert.Equal(t, []float64{4}, transform(t, q, rec{proto: "tcp"}))
	assert.Equal(t, map[string]int{"icmp": 0, "tcp": 1, "udp": 2}, p.Describe().Steps[1].Codes)
	assert.Equal(t, "codes", p.Describe().Steps[1].Kind)
	assert.Equal(t, 2, p.Describe().Version)
}

func TestCodesFitErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		step features.Step
		err  error
	}{
		{"numeric column", features.Codes("bytes", protoCodes), anomaly.ErrDimension},
		{"missing column", features.Codes("nope", protoCodes), anomaly.ErrDimension},
		{"no codes", features.Codes("proto", nil), anomaly.ErrEmpty},
		{"negative code", features.Codes("proto", map[string]int{"tcp": -1}), anomaly.ErrFormat},
		{"code too large", features.Codes("proto", map[string]int{"tcp": features.MaxCode + 1}), anomaly.ErrFormat},
		{"ops", features.Step{Kind: features.KindCodes, Columns: []string{"proto"}, Codes: protoCodes, Ops: []features.Op{features.Log}}, anomaly.ErrUnsupported},
		{"two columns", features.Step{Kind: features.KindCodes, Columns: []string{"proto", "ip"}, Codes: protoCodes}, anomaly.ErrDimension},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := features.Fit(t.Context(), train(t), c.step)
			require.ErrorIs(t, err, c.err)
			assert.Regexp(t, "^features: ", err.Error())
		})
	}
	// The largest code is accepted and exact.
	p := fit(t, features.Codes("proto", map[string]int{"tcp": features.MaxCode}))
	assert.Equal(t, []float64{features.MaxCode}, transform(t, p, rec{proto: "tcp"}))
}

func TestCodesRoundTrip(t *testing.T) {
	p := fit(t, features.Numeric("bytes").KeepNaN(), features.Codes("proto", protoCodes), features.OneHot("ip", features.OneHotConfig{}))
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, uint16(2), binary.LittleEndian.Uint16(b[4:]), "a codes step needs format version 2")
	var q features.Pipeline
	require.NoError(t, q.UnmarshalBinary(b))
	assert.Equal(t, p.Describe(), q.Describe())
	for _, r := range []rec{{0, "tcp", 0, "10.0.0.1", 0}, {math.NaN(), "udp", 0, "10.0.0.9", 0}, {3, "gre", 0, "", 0}} {
		want, got := transform(t, p, r), transform(t, &q, r)
		for i := range want {
			assert.True(t, math.Float64bits(want[i]) == math.Float64bits(got[i]) || (math.IsNaN(want[i]) && math.IsNaN(got[i])),
				"output %d: %g, want %g", i, got[i], want[i])
		}
	}
	b2, err := q.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, b2, "encoding is deterministic")

	// A pipeline without a codes step is still written as version 1, which
	// builds that read only version 1 can load.
	old := fit(t, features.Reference()[0], features.OneHot("proto", features.OneHotConfig{}))
	ob, err := old.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, uint16(1), binary.LittleEndian.Uint16(ob[4:]))
	assert.Equal(t, 1, old.Describe().Version)
	require.NoError(t, q.UnmarshalBinary(ob))

	// A codes step inside a file that says version 1 is corrupt.
	v1 := bytes.Clone(b)
	binary.LittleEndian.PutUint16(v1[4:], 1)
	binary.LittleEndian.PutUint32(v1[len(v1)-4:], crc32.ChecksumIEEE(v1[:len(v1)-4]))
	err = q.UnmarshalBinary(v1)
	require.ErrorIs(t, err, anomaly.ErrFormat)
	assert.Contains(t, err.Error(), "version 1")

	// Every truncation is an error, never a panic.
	for n := range len(b) {
		require.Error(t, q.UnmarshalBinary(b[:n]), "length %d", n)
	}
}

func TestCategoricalCodes(t *testing.T) {
	codes := map[string]map[string]int{"proto": protoCodes, "ip": {"10.0.0.1": 0, "10.0.0.2": 1}}
	steps, err := features.CategoricalCodes(testSchema, codes)
	require.NoError(t, err)
	p := fit(t, steps...)
	assert.Equal(t, []string{"bytes", "proto", "back", "ip", "rate"}, p.Names(), "one output per column, named after it, in schema order")
	got := transform(t, p, rec{math.NaN(), "udp", 3, "10.0.0.2", 0.5})
	assert.True(t, math.IsNaN(got[0]), "a numeric NaN passes through")
	assert.Equal(t, []float64{2, 3, 1, 0.5}, []float64{got[1], got[2], got[3], got[4]})

	for _, c := range []struct {
		name  string
		codes map[string]map[string]int
	}{
		{"missing list", map[string]map[string]int{"proto": protoCodes}},
		{"numeric column", map[string]map[string]int{"proto": protoCodes, "ip": protoCodes, "bytes": protoCodes}},
		{"unknown column", map[string]map[string]int{"proto": protoCodes, "ip": protoCodes, "port": protoCodes}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := features.CategoricalCodes(testSchema, c.codes)
			require.ErrorIs(t, err, anomaly.ErrDimension)
			assert.Regexp(t, "^features: ", err.Error())
		})
	}
}

func TestCodesAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	steps, err := features.CategoricalCodes(testSchema, map[string]map[string]int{"proto": protoCodes, "ip": {"10.0.0.1": 0}})
	require.NoError(t, err)
	p := fit(t, steps...)
	r := &dataset.Row{Num: []float64{1, 0, 2, 0, 3}, Cat: []string{"", "tcp", "", "10.9.9.9", ""}}
	dst := make([]float64, p.NumFeatures())
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = p.TransformRow(r, dst) }))
}

// TestReadsVersion1Files decodes the valid pipelines of the fuzz seed
// corpus written before format version 2 existed.
func TestReadsVersion1Files(t *testing.T) {
	for _, name := range []string{"valid_0", "valid_1", "valid_2"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzUnmarshalBinary", name))
			require.NoError(t, err)
			lines := strings.SplitN(string(raw), "\n", 3)
			require.Len(t, lines, 3)
			lit := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
			s, err := strconv.Unquote(lit)
			require.NoError(t, err)
			b := []byte(s)
			require.Equal(t, uint16(1), binary.LittleEndian.Uint16(b[4:]))
			var p features.Pipeline
			require.NoError(t, p.UnmarshalBinary(b))
			again, err := p.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, b, again, "a version 1 pipeline is written back as the same version 1 bytes")
		})
	}
}
