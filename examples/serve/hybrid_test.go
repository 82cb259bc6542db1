package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/forest"
)

// TestHybridExplained: a hybrid's answer says, per explained record,
// which part its contributions explain and in which unit, and the
// answer's explanation says that the unit is the deciding part's.
func TestHybridExplained(t *testing.T) {
	ctx := context.Background()
	d := testBundle(t)
	pipe := d.Pipeline()
	train, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 3000, Seed: 5})
	require.NoError(t, err)
	x, err := pipe.TransformTable(ctx, train)
	require.NoError(t, err)
	y := make([]int, train.Len())
	var benign []int
	for i := range y {
		if train.IsAttack(i) {
			y[i] = 1
		} else {
			benign = append(benign, i)
		}
	}
	rf, err := forest.Fit(ctx, x, y, forest.Config{Trees: 20, Seed: 1})
	require.NoError(t, err)
	xb, err := pipe.TransformTable(ctx, train.Subset(benign))
	require.NoError(t, err)
	h, err := anomaly.Calibrate(ctx, rf, d.Detector(), xb, anomaly.HybridConfig{Budget: 0.05})
	require.NoError(t, err)
	hb, err := bundle.New(pipe, h, 0.5, bundle.Metadata{Name: "hybrid"})
	require.NoError(t, err)

	s := newServer(hb, limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()
	resp, body := post(t, ts.URL+"/v1/score", mustJSON(t, records[:60]))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	require.NotNil(t, out.Explanation)
	assert.Equal(t, "hybrid", out.Explanation.Model)
	assert.Contains(t, out.Explanation.Unit, "part that decided")
	parts := map[string]string{}
	for _, r := range out.Results {
		if len(r.TopFeatures) == 0 {
			continue
		}
		require.NotNil(t, r.Explained, "record %d", r.Index)
		parts[r.Explained.Part] = r.Explained.Unit
	}
	require.NotEmpty(t, parts)
	for part, unit := range parts {
		switch part {
		case "classifier":
			assert.Equal(t, bundle.UnitProbability, unit)
		case "novelty":
			assert.Equal(t, bundle.UnitPathLength, unit)
		default:
			t.Errorf("part %q", part)
		}
	}
}
