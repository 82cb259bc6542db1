package flow

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlabGrowKeepsEntries grows slabs across chunk boundaries and checks
// that every entry keeps its value and its address.
func TestSlabGrowKeepsEntries(t *testing.T) {
	for _, n := range []int{1, slabChunk - 1, slabChunk, slabChunk + 1, 5*slabChunk + 3} {
		var s slab[uint64]
		ptrs := make([]*uint64, n)
		for i := range n {
			idx := s.grow()
			require.Equal(t, int32(i), idx)
			p := s.at(idx)
			assert.Zero(t, *p, "new entry %d", i)
			*p = uint64(i)*7 + 1
			ptrs[i] = p
		}
		assert.Len(t, s.chunks, (n+slabChunk-1)/slabChunk, "n=%d", n)
		for i := range n {
			assert.Same(t, ptrs[i], s.at(int32(i)), "entry %d moved", i)
			assert.Equal(t, uint64(i)*7+1, *s.at(int32(i)), "entry %d", i)
		}
	}
}
