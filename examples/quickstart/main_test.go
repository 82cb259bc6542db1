package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartSynthetic(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, "", 0.02, 1))
	s := out.String()
	assert.Contains(t, s, "synthetic NSL-KDD-schema traffic (not NSL-KDD")
	assert.Contains(t, s, "false alarms per 10k benign flows")
	assert.Contains(t, s, "top alert:")
	// The explanation speaks as serve's and stream's do: per raw column,
	// signed towards "attack", with its model and unit.
	assert.Contains(t, s, `why, per raw column (Isolation Forest, exact TreeSHAP; unit: path length (edges), negated; positive pushes towards "attack"):`)
	_, why, ok := strings.Cut(s, "positive pushes towards \"attack\"):\n")
	require.True(t, ok)
	lines := strings.Split(strings.TrimSpace(why), "\n")
	require.Len(t, lines, 5)
	prev := math.Inf(1)
	for _, l := range lines {
		f := strings.Fields(l)
		require.Len(t, f, 2, l)
		assert.Contains(t, f[0], "=", "a raw column and its value: %s", l)
		assert.NotContains(t, f[0], "flag=S0=", "a raw column, not an encoded one")
		v, err := strconv.ParseFloat(f[1], 64)
		require.NoError(t, err)
		assert.LessOrEqual(t, math.Abs(v), prev, "largest in magnitude first")
		prev = math.Abs(v)
	}
	assert.True(t, strings.HasPrefix(strings.Fields(lines[0])[1], "+"), "the top alert's largest contribution pushes towards attack: %s", lines[0])
}

func TestQuickstartRealData(t *testing.T) {
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it")
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, dir, 0.02, 1))
	assert.Contains(t, out.String(), "NSL-KDD: KDDTrain+_20Percent.txt → KDDTest+.txt")
}

func TestQuickstartBadBudget(t *testing.T) {
	assert.Error(t, run(context.Background(), &bytes.Buffer{}, "", 1.5, 1))
	assert.Error(t, run(context.Background(), &bytes.Buffer{}, "/nonexistent", 0.02, 1))
}
