package features_test

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/errs"
)

// craftOneHot returns a version 1 pipeline of one categorical column "c"
// and one OneHot step with the given output names and levels (level k →
// output k), sealed with a valid checksum.
func craftOneHot(names []string, levels int) []byte {
	ls := make([]string, levels)
	for k := range ls {
		ls[k] = fmt.Sprintf("%06x", k) // written sorted, as MarshalBinary writes them
	}
	return craftLevels(names, ls)
}

// craftLevels is craftOneHot with the given (sorted) levels.
func craftLevels(names, levels []string) []byte {
	b := []byte(features.Magic)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.AppendUvarint(b, 1) // columns
	b = binary.AppendUvarint(b, 1)
	b = append(b, 'c', 1)          // "c", categorical
	b = binary.AppendUvarint(b, 1) // steps
	b = append(b, byte(features.KindOneHot))
	b = binary.AppendUvarint(b, 1) // sources
	b = binary.AppendUvarint(b, 0)
	b = append(b, 0) // nan
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(0))
	b = binary.AppendUvarint(b, 0) // ops
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		b = binary.AppendUvarint(b, uint64(len(n)))
		b = append(b, n...)
	}
	b = append(b, 0)               // unknown: ignore
	b = binary.AppendUvarint(b, 0) // no other bucket
	b = binary.AppendUvarint(b, uint64(len(levels)))
	for k, l := range levels {
		b = binary.AppendUvarint(b, uint64(len(l)))
		b = append(b, l...)
		b = binary.AppendUvarint(b, uint64(k))
	}
	b = append(b, 0) // no mapping
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// decodeAllocRatio and decodeAllocConst bound what UnmarshalBinary
// allocates: at most decodeAllocRatio bytes per byte of input plus
// decodeAllocConst. Measured: 3.3× for a OneHot step at MaxOutputs levels
// of six-byte names, 4.2× for the densest such step (three-byte names and
// levels, TestUnmarshalBinaryAllocationDensest), which the constant
// covers; an input declaring more than MaxOutputs outputs is refused
// before they are allocated.
const (
	decodeAllocRatio = 4
	decodeAllocConst = 4 << 20
)

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The decoder's allocation is bounded by its input: a OneHot step
// declaring 10 million empty output names fails before allocating for
// them, and a pipeline at the output limit costs a small multiple of its
// bytes.
func TestUnmarshalBinaryAllocationBound(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation sizes are not meaningful under the race detector")
	}
	empty := craftOneHot(make([]string, 10_000_000), 0)
	var p features.Pipeline
	var err error
	got := allocated(func() { err = p.UnmarshalBinary(empty) })
	require.Error(t, err)
	assert.ErrorIs(t, err, errs.ErrFormat)
	assert.LessOrEqual(t, got, uint64(4*len(empty)+1<<20), "%d bytes allocated for %d bytes of input", got, len(empty))

	over := make([]string, features.MaxOutputs+1)
	for i := range over {
		over[i] = "x"
	}
	over[0] = "y"
	b := craftOneHot(over, 0)
	got = allocated(func() { err = p.UnmarshalBinary(b) })
	require.ErrorContains(t, err, "outputs, at most")
	assert.LessOrEqual(t, got, uint64(4*len(b)+1<<20), "%d bytes allocated for %d bytes of input", got, len(b))

	// The largest valid shape: MaxOutputs distinct names, as many levels.
	n := 1 << 16
	if !testing.Short() {
		n = features.MaxOutputs
	}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%x", i)
	}
	b = craftOneHot(names, n)
	got = allocated(func() { err = p.UnmarshalBinary(b) })
	require.NoError(t, err)
	assert.Equal(t, n, p.NumFeatures())
	t.Logf("%d outputs: %d bytes of input, %d allocated (%.1f×)", n, len(b), got, float64(got)/float64(len(b)))
	assert.LessOrEqual(t, got, uint64(decodeAllocRatio*len(b)+decodeAllocConst), "%d bytes allocated for %d bytes of input", got, len(b))
}
