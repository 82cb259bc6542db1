package main

import (
	"bytes"
	"context"
	"os"
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
