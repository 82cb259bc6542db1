package iforest_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/errs"
)

// TestScoresMatchSklearnTrees scores scikit-learn's own trees (converted by
// testdata/sklearn_trees.py) and expects scikit-learn's score_samples: the
// path lengths, c(n) and the normalisation are the reference's.
func TestScoresMatchSklearnTrees(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_trees.bin"))
	require.NoError(t, err)
	var fx struct {
		Rows        [][]float64 `json:"rows"`
		Scores      []float64   `json:"scores"`
		PathLengths []float64   `json:"path_lengths"`
	}
	j, err := os.ReadFile(filepath.Join("testdata", "sklearn_trees.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(j, &fx))
	var f iforest.Forest
	require.NoError(t, f.UnmarshalBinary(b))
	require.Equal(t, 12, f.NumTrees())
	require.Equal(t, 64, f.SampleSize())
	require.Len(t, fx.Rows, 50)
	for i, x := range fx.Rows {
		s, err := f.Score(x)
		require.NoError(t, err)
		assert.InDelta(t, fx.Scores[i], s, 1e-13, "row %d", i)
		h, err := f.PathLength(x)
		require.NoError(t, err)
		assert.InDelta(t, fx.PathLengths[i], h, 1e-12, "row %d", i)
	}
	// The converted file re-encodes to the same bytes.
	again, err := f.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, again)
}

func TestMarshalRoundTrip(t *testing.T) {
	X := blob(800, 4, 3)
	for _, cfg := range []iforest.Config{
		{Seed: 1, Trees: 20},
		{Seed: 2, Trees: 20, FeatureNames: []string{"dur", "bytes", "pkts", "éè"}},
		{Seed: 3, Trees: 20, ExtensionLevel: 2},
		{Seed: 3, Trees: 20, ExtensionLevel: 3, Bootstrap: true},
	} {
		f := fit(t, X, cfg)
		b, err := f.MarshalBinary()
		require.NoError(t, err)
		var g iforest.Forest
		require.NoError(t, g.UnmarshalBinary(b))
		assert.Equal(t, f.NumFeatures(), g.NumFeatures())
		assert.Equal(t, f.NumTrees(), g.NumTrees())
		assert.Equal(t, f.SampleSize(), g.SampleSize())
		assert.Equal(t, f.MaxDepth(), g.MaxDepth())
		assert.Equal(t, f.ExtensionLevel(), g.ExtensionLevel())
		assert.Equal(t, f.FeatureNames(), g.FeatureNames())
		assert.Equal(t, f.Trees(), g.Trees())
		for i := range 200 {
			x := X.RawRowView(i)
			a, err := f.Score(x)
			require.NoError(t, err)
			c, err := g.Score(x)
			require.NoError(t, err)
			assert.Equal(t, a, c)
		}
		b2, err := g.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, b, b2)
	}
}

// fixCRC rewrites the checksum of b so that the decoder reaches the payload.
func fixCRC(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
	return b
}

func TestUnmarshalDamaged(t *testing.T) {
	X := blob(300, 3, 3)
	classic, err := fit(t, X, iforest.Config{Seed: 1, Trees: 3, SampleSize: 16}).MarshalBinary()
	require.NoError(t, err)
	extended, err := fit(t, X, iforest.Config{Seed: 1, Trees: 3, SampleSize: 16, ExtensionLevel: 1}).MarshalBinary()
	require.NoError(t, err)
	mod := func(b []byte, f func([]byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	for _, tc := range []struct {
		name string
		data []byte
		is   error
		msg  string
	}{
		{"empty", nil, errs.ErrFormat, "magic"},
		{"foreign", []byte("PK\x03\x04 this is a zip file"), errs.ErrFormat, "magic"},
		{"magic only", []byte("NWIFORST"), errs.ErrFormat, "truncated header"},
		{"truncated", classic[:len(classic)-10], errs.ErrFormat, "header says"},
		{"trailing", append(append([]byte(nil), classic...), 0), errs.ErrFormat, "header says"},
		{"newer version", mod(classic, func(b []byte) []byte { b[8] = 2; return b }), errs.ErrVersion, "version 2"},
		{"flipped bit", mod(classic, func(b []byte) []byte { b[40] ^= 1; return b }), errs.ErrChecksum, "crc32"},
		{"bad crc", mod(extended, func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b }), errs.ErrChecksum, "crc32"},
		{"reserved", mod(classic, func(b []byte) []byte { b[10] = 1; return fixCRC(b) }), errs.ErrFormat, "reserved"},
		{"no features", mod(classic, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[16:], 0)
			return fixCRC(b)
		}), errs.ErrFormat, "0 features"},
		{"huge tree count", mod(classic, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[32:], 1<<30)
			return fixCRC(b)
		}), errs.ErrFormat, "do not fit"},
		{"feature out of range", mod(classic, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[44:], 3) // first node's feature
			return fixCRC(b)
		}), errs.ErrFormat, "feature 3"},
		{"child loops back", mod(classic, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[48:], 0) // first node's left child
			return fixCRC(b)
		}), errs.ErrFormat, "child 0"},
		{"extended child out of range", mod(extended, func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[44:], 1000) // root's left child
			return fixCRC(b)
		}), errs.ErrFormat, "out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f iforest.Forest
			err := f.UnmarshalBinary(tc.data)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Contains(t, err.Error(), "iforest: unmarshal")
			_, err = f.Score(make([]float64, 3))
			assert.ErrorIs(t, err, errs.ErrNotFitted, "f unchanged")
		})
	}
	// Every truncation of a valid file is an error, never a panic.
	for _, b := range [][]byte{classic, extended} {
		for n := range len(b) {
			var f iforest.Forest
			err := f.UnmarshalBinary(b[:n])
			require.Error(t, err, "truncated to %d bytes", n)
			var g iforest.Forest
			err = g.UnmarshalBinary(fixCRC(append([]byte(nil), b[:n]...)))
			require.Error(t, err, "truncated to %d bytes, crc fixed", n)
			require.True(t, errors.Is(err, errs.ErrFormat) || errors.Is(err, errs.ErrVersion), "%v", err)
		}
	}
}

// FuzzUnmarshalBinary feeds arbitrary bytes to the decoder, once as they are
// and once with the checksum made right (to reach the payload parser). A
// decoded forest must score a row without a panic and re-encode to a file
// that decodes.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, name := range []string{"sklearn_trees.bin"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("NWIFORST"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, fixCRC(append([]byte(nil), data...))} {
			var g iforest.Forest
			if err := g.UnmarshalBinary(b); err != nil {
				continue
			}
			again, err := g.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var h iforest.Forest
			if err := h.UnmarshalBinary(again); err != nil {
				t.Fatalf("re-encoded forest does not decode: %v", err)
			}
			if g.NumFeatures() > 1<<24 {
				t.Fatalf("decoded %d features", g.NumFeatures())
			}
			if g.NumFeatures() > 1<<12 {
				continue // valid, but too wide to score quickly here
			}
			x := make([]float64, g.NumFeatures())
			s, err := g.Score(x)
			if err != nil || !(s > 0 && s <= 1) {
				t.Fatalf("decoded forest scores %v, %v", s, err)
			}
			if g.ExtensionLevel() == 0 {
				if err := g.Contributions(x, make([]float64, len(x))); err != nil {
					t.Fatal(err)
				}
			}
			// TreeSHAP must not panic on any forest the decoder accepts,
			// and a classic one must explain.
			phi := make([]float64, len(x))
			for _, explain := range []func(x, dst []float64) (float64, error){g.Explain, g.ExplainApprox} {
				_, err := explain(x, phi)
				if g.ExtensionLevel() == 0 && err != nil {
					t.Fatalf("decoded classic forest cannot explain: %v", err)
				}
				if g.ExtensionLevel() > 0 && !errors.Is(err, errs.ErrUnsupported) {
					t.Fatalf("extended forest explains: %v", err)
				}
			}
		}
	})
}
