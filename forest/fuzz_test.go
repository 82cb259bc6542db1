package forest_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
)

// FuzzUnmarshalBinary feeds arbitrary bytes to UnmarshalBinary, as they are
// and with a valid checksum appended (so that the fuzzer reaches the
// payload checks). Decoding must never panic; a forest it accepts must score
// any row without panicking and re-encode to the same bytes.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, forest.Reseal(append(append([]byte(nil), data...), 0, 0, 0, 0))} {
			var g forest.Forest
			if err := g.UnmarshalBinary(b); err != nil {
				continue
			}
			x := make([]float64, g.NumFeatures())
			for j := range x {
				x[j] = float64(j%7) - 3
			}
			x[0] = math.Inf(1)
			s, err := g.Score(x)
			if err != nil {
				t.Fatalf("decoded forest cannot score: %v", err)
			}
			// The scoring form must route as the decoded trees do.
			if want := treeScore(&g, x); s != want {
				t.Fatalf("Score %v, plain tree walk %v", s, want)
			}
			sm := make([]float64, 1)
			if err := g.ScoreMatrix(context.Background(), mat.NewDense(1, len(x), x), sm); err != nil || sm[0] != s {
				t.Fatalf("ScoreMatrix %v (err %v), Score %v", sm[0], err, s)
			}
			if _, err := g.Predict(x); err != nil {
				t.Fatalf("decoded forest cannot predict: %v", err)
			}
			_ = g.Importances()
			// TreeSHAP must not panic on any forest the decoder accepts.
			phi := make([]float64, g.NumFeatures())
			_, _ = g.Explain(x, phi)
			_, _ = g.ExplainApprox(x, phi)
			_, _ = g.ExplainClass(g.NumClasses()-1, x, phi)
			again, err := g.MarshalBinary()
			if err != nil || string(again) != string(b) {
				t.Fatalf("re-encoding differs (err %v)", err)
			}
		}
	})
}

// fuzzSeeds returns small valid encodings and damaged variants.
func fuzzSeeds(tb testing.TB) [][]byte {
	X, y := blobs(60, 3, 3, 2, 1)
	var seeds [][]byte
	for _, cfg := range []forest.Config{
		{Trees: 1, MaxDepth: 2, Seed: 1},
		{Trees: 2, MaxDepth: 3, Seed: 2, OOB: true, Criterion: forest.Entropy, FeatureNames: []string{"a", "bb", ""}},
	} {
		f, err := forest.Fit(context.Background(), X, y, cfg)
		require.NoError(tb, err)
		b, err := f.MarshalBinary()
		require.NoError(tb, err)
		seeds = append(seeds, b, b[:len(b)/2], b[:len(b)-4])
	}
	return append(seeds, []byte("NWRF"), []byte("NWRF\x02\x00\x00\x00"), nil)
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzUnmarshalBinary from
// fuzzSeeds when FOREST_WRITE_SEEDS is set (after a format change).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("FOREST_WRITE_SEEDS") == "" {
		t.Skip("set FOREST_WRITE_SEEDS=1 to rewrite the committed fuzz seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzUnmarshalBinary")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for i, s := range fuzzSeeds(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644))
	}
}
