package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckedInKernelIsGenerated fails when kernel_amd64.s was edited by
// hand or the generator changed without `go generate ./iforest/`.
func TestCheckedInKernelIsGenerated(t *testing.T) {
	got, err := os.ReadFile("../../kernel_amd64.s")
	require.NoError(t, err)
	require.Equal(t, string(generate()), string(got), "run go generate ./iforest/")
}
