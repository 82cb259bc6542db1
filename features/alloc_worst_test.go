package features_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/features"
)

// The densest valid OneHot step: the shortest distinct names and levels
// (three bytes each) at the output limit.
func TestUnmarshalBinaryAllocationDensest(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation sizes are not meaningful under the race detector")
	}
	n := 1 << 16
	if !testing.Short() {
		n = features.MaxOutputs
	}
	names := make([]string, n)
	levels := make([]string, n)
	for i := range names {
		v := i + 1<<16
		names[i] = string([]byte{byte(v >> 16), byte(v >> 8), byte(v)})
		levels[i] = names[i]
	}
	b := craftLevels(names, levels)
	var p features.Pipeline
	var err error
	got := allocated(func() { err = p.UnmarshalBinary(b) })
	require.NoError(t, err)
	t.Logf("%d outputs: %d bytes of input, %d allocated (%.1f×)", n, len(b), got, float64(got)/float64(len(b)))
	assert.LessOrEqual(t, got, uint64(decodeAllocRatio*len(b)+decodeAllocConst))
}
