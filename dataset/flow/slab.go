package flow

// slabChunkBits sets the entries per slab chunk (256): 96 KiB of flow
// states, 200 KiB of CIC statistics.
const (
	slabChunkBits = 8
	slabChunk     = 1 << slabChunkBits
)

// slab holds entries of T by index in fixed-size chunks. Growing it adds a
// chunk and never moves an entry: a slice grown by append would copy every
// live flow at each doubling and leave the old array as garbage: on a
// fresh meter over a 78,000-packet capture that cost a quarter of its CPU
// time, in the copies and in the collector cycles the garbage started
// (seven instead of two), during which every packet pays write barriers.
type slab[T any] struct {
	chunks []*[slabChunk]T
	n      int32
}

// at returns entry i, which must be below the slab's length.
func (s *slab[T]) at(i int32) *T {
	return &s.chunks[i>>slabChunkBits][i&(slabChunk-1)]
}

// grow adds a zero entry and returns its index.
func (s *slab[T]) grow() int32 {
	if int(s.n)>>slabChunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, new([slabChunk]T))
	}
	s.n++
	return s.n - 1
}
