package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// TestStreamNoFlags: given no bundle, the stream scores with the demo
// model (no exit status 1), and both the first stderr line and the summary
// say it is a synthetic demo, with what its explanations are.
func TestStreamNoFlags(t *testing.T) {
	testBundle(t)
	for _, cfg := range []config{{DemoRows: 2000}, {TrainDemo: true, DemoRows: 2000}} {
		cfg.Format, cfg.Top, cfg.Name = "nslkdd", 3, "stdin"
		var out, errw bytes.Buffer
		sum, err := run(context.Background(), cfg, strings.NewReader(strings.Join(testLines[:50], "\n")), &out, &errw)
		require.NoError(t, err)
		assert.Equal(t, 50, sum.Rows)
		lines := decodeLines[map[string]map[string]any](t, errw.String())
		require.NotEmpty(t, lines)
		start := lines[0]["start"]
		require.NotNil(t, start, errw.String())
		assert.Contains(t, start["model"], "demo Isolation Forest trained at start-up on synthetic traffic (not NSL-KDD")
		expl, _ := start["explanation"].(map[string]any)
		assert.Equal(t, "isolation_forest", expl["model"])
		assert.Contains(t, expl["unit"], "path length (edges), negated")
		assert.Contains(t, expl["sign"], `positive pushes towards "attack"`)
		assert.Contains(t, lines[len(lines)-1]["summary"]["model"], "synthetic traffic (not NSL-KDD")
	}
}

// TestStreamSuggestsFormat: KDD Cup 1999 lines (42 fields) given to the
// default NSL-KDD format are bad lines whose error suggests -format kdd99,
// and the other way round.
func TestStreamSuggestsFormat(t *testing.T) {
	path := testBundle(t)
	var kdd []string
	for _, l := range testLines[:5] {
		kdd = append(kdd, l[:strings.LastIndexByte(l, ',')]) // drop the difficulty: a KDD'99 line
	}
	var errw bytes.Buffer
	sum, err := run(context.Background(), config{Bundle: path, Format: "nslkdd", Name: "stdin"}, strings.NewReader(strings.Join(kdd, "\n")+"\n"), io.Discard, &errw)
	require.NoError(t, err)
	assert.Equal(t, 5, sum.BadLines)
	assert.Contains(t, errw.String(), "has 42 fields, want 43")
	assert.Contains(t, errw.String(), "use -format kdd99")

	errw.Reset()
	_, err = run(context.Background(), config{Bundle: path, Format: "nslkdd", Strict: true, Name: "stdin"}, strings.NewReader(kdd[0]+"\n"), io.Discard, &errw)
	assert.ErrorContains(t, err, "use -format kdd99")

	errw.Reset()
	sum, err = run(context.Background(), config{Bundle: path, Format: "kdd99", Name: "stdin"}, strings.NewReader(strings.Join(testLines[:3], "\n")+"\n"), io.Discard, &errw)
	require.NoError(t, err)
	assert.Equal(t, 3, sum.BadLines)
	assert.Contains(t, errw.String(), "use -format nslkdd")

	// The right format scores them.
	sum, err = run(context.Background(), config{Bundle: path, Format: "kdd99", Name: "stdin"}, strings.NewReader(strings.Join(kdd, "\n")+"\n"), io.Discard, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Rows)
	assert.Zero(t, sum.BadLines)
}

// TestStreamPseudonymisedBundle streams CSV flow records through a bundle
// that pseudonymises source addresses, with the key from -key-file or the
// environment; without the key the error says how to give it.
func TestStreamPseudonymisedBundle(t *testing.T) {
	const key = "k3y-of-the-operators-0123456789"
	b, err := demo.FlowBundle(context.Background(), []byte(key), 2000, 3)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "flows.nwb")
	require.NoError(t, b.Save(path))
	keyFile := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte(key+"\n"), 0o600))
	in := demo.FlowCSV(500, 8, true)
	cfg := config{Bundle: path, Format: "csv", CSVComma: ",", CSVLabel: "label", Name: "flows.csv", Top: 2}

	streamIt := func(t *testing.T, cfg config) (summary, string, error) {
		var out, errw bytes.Buffer
		sum, err := run(context.Background(), cfg, strings.NewReader(in), &out, &errw)
		assert.NotContains(t, out.String()+errw.String(), key)
		return sum, errw.String(), err
	}
	t.Run("key file", func(t *testing.T) {
		c := cfg
		c.KeyFile = keyFile
		sum, errs, err := streamIt(t, c)
		require.NoError(t, err)
		assert.Equal(t, 500, sum.Rows)
		assert.Positive(t, sum.Detected, "the floods are flagged")
		assert.Contains(t, errs, "pseudonymisation key from the key file")
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv(demo.KeyEnv, key)
		sum, _, err := streamIt(t, cfg)
		require.NoError(t, err)
		assert.Equal(t, 500, sum.Rows)
	})
	t.Run("no key", func(t *testing.T) {
		_, _, err := streamIt(t, cfg)
		assert.ErrorContains(t, err, "-key-file FILE")
		assert.ErrorContains(t, err, demo.KeyEnv)
	})
}

// TestStreamUnseen: a record whose categorical value training never saw is
// flagged in its line ("unseen") and counted in the summary.
func TestStreamUnseen(t *testing.T) {
	path := testBundle(t)
	f := strings.Split(testLines[0], ",")
	f[2] = "HTTP" // the service, spelt as training never saw it
	in := testLines[1] + "\n" + strings.Join(f, ",") + "\n"
	var out, errw bytes.Buffer
	sum, err := run(context.Background(), config{Bundle: path, Format: "nslkdd", All: true, Name: "stdin"}, strings.NewReader(in), &out, &errw)
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Unseen)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.NotContains(t, lines[0], `"unseen"`)
	assert.Contains(t, lines[1], `"unseen":["service"]`)
	assert.Contains(t, errw.String(), `"unseen_records":1`)
}

// TestStreamCSVPolicy: a CSV stream parses as the bundle's training file
// did: a bundle trained on a file whose "Infinity" cells were replaced
// scores live lines holding "Infinity", and "NA" where training read it as
// missing.
func TestStreamCSVPolicy(t *testing.T) {
	ctx := context.Background()
	var train strings.Builder
	train.WriteString("proto,rate,bytes,label\n")
	for i := range 400 {
		rate := fmt.Sprint(100 + i%37)
		switch i % 50 {
		case 0:
			rate = "Infinity"
		case 1:
			rate = "NA"
		}
		fmt.Fprintf(&train, "%s,%s,%d,normal\n", []string{"tcp", "udp"}[i%2], rate, 500+i%91)
	}
	tab, err := dataset.ReadCSV(strings.NewReader(train.String()), "train.csv", dataset.CSVConfig{
		Label: "label", Categorical: []string{"proto"},
		Inf:           dataset.ValuePolicy{Action: dataset.Replace, Value: 1e9},
		Missing:       dataset.ValuePolicy{Action: dataset.Replace, Value: 0},
		MissingTokens: []string{"NA"},
	})
	require.NoError(t, err)
	pipe, err := features.Fit(ctx, tab, features.OneHot("proto", features.OneHotConfig{}),
		features.Numeric("rate", features.Log1p), features.Numeric("bytes", features.Log1p))
	require.NoError(t, err)
	x, err := pipe.TransformTable(ctx, tab)
	require.NoError(t, err)
	f, err := iforest.Fit(ctx, x, iforest.Config{Seed: 1, Trees: 20})
	require.NoError(t, err)
	b, err := bundle.New(pipe, f, 0.6, bundle.Metadata{Name: "policy"})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "policy.nwb")
	require.NoError(t, b.Save(path))

	live := "proto,rate,bytes,label\ntcp,120,550,BENIGN\nudp,Infinity,600,PortScan\ntcp,NA,510,normal\n"
	var errw bytes.Buffer
	sum, err := run(ctx, config{Bundle: path, Format: "csv", CSVComma: ",", CSVLabel: "label", Name: "live.csv"}, strings.NewReader(live), io.Discard, &errw)
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Rows, errw.String())
	assert.Zero(t, sum.BadLines, errw.String())
	// A label no map knows is kept and counted, not an error.
	assert.Equal(t, 1, sum.UnknownLabel)
	assert.Equal(t, 2, sum.Benign)
}
