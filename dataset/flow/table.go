package flow

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// flowTable maps canonical flow keys to slab indexes: open addressing with
// linear probing and backward-shift deletion (Knuth, TAOCP vol. 3, §6.4,
// Algorithm R), so no tombstones accumulate. Each slot holds the key's
// hash beside the index, so a probe compares whole keys only when the
// hashes agree; the keys themselves stay in the flow slab.
//
// The hash is a keyed multiply-fold over the key's 64-bit words (the mum
// mixing of wyhash). Its key comes from hash/maphash.MakeSeed, a fresh
// unpredictable seed per table as Go's own maps draw one, so that traffic
// crafted to collide in one meter does not collide in another. It is not
// taken from a seeded source: which slot a flow lands in never affects the
// meter's output, and a key anyone can reproduce would let crafted traffic
// fill one probe run.
type flowTable struct {
	slots []tslot
	mask  uint64
	n     int
	seed  [6]uint64
}

// tslot is one table slot: a key's 32-bit hash, which gives both its home
// slot (the low bits) and a filter before the key comparison, and its slab
// index plus 1 (0: empty).
type tslot struct {
	hash uint32
	idx  int32
}

const minTableSlots = 1 << 10

func newFlowTable() flowTable {
	t := flowTable{slots: make([]tslot, minTableSlots), mask: minTableSlots - 1}
	seed := maphash.MakeSeed()
	for i := range t.seed {
		t.seed[i] = maphash.Comparable(seed, i) | 1
	}
	return t
}

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// hash returns k's 32-bit hash.
func (t *flowTable) hash(k *fkey) uint32 {
	s := &t.seed
	h := mum(le64(k.a[:8])^s[0], le64(k.a[8:])^s[1])
	h ^= mum(le64(k.b[:8])^s[2], le64(k.b[8:])^s[3])
	tail := uint64(k.pa) | uint64(k.pb)<<16 | uint64(k.proto)<<32 | uint64(k.tunnel)<<40
	if k.tunnel != 0 {
		h ^= mum(le64(k.oa[:8])^s[0], le64(k.oa[8:])^s[2])
		h ^= mum(le64(k.ob[:8])^s[1], le64(k.ob[8:])^s[3])
		h ^= mum(uint64(k.teid)|uint64(k.vni)<<32^s[4], s[5])
	}
	h = mum(h^s[4], tail^s[5])
	return uint32(h ^ h>>32)
}

// find returns the slab index of k (hash h) in flows, or -1.
func (t *flowTable) find(k *fkey, h uint32, flows *slab[flowState]) int32 {
	for i := uint64(h) & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.idx == 0 {
			return -1
		}
		if s.hash == h && flows.at(s.idx-1).key == *k {
			return s.idx - 1
		}
	}
}

// insert adds slab index idx under hash h; the key must not be present.
// The table doubles when it would become more than half full.
func (t *flowTable) insert(h uint32, idx int32) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]tslot, 2*len(old))
		t.mask = uint64(len(t.slots) - 1)
		for _, s := range old {
			if s.idx != 0 {
				t.put(s)
			}
		}
	}
	t.put(tslot{hash: h, idx: idx + 1})
	t.n++
}

func (t *flowTable) put(s tslot) {
	i := uint64(s.hash) & t.mask
	for t.slots[i].idx != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = s
}

// remove deletes slab index idx, stored under hash h.
func (t *flowTable) remove(h uint32, idx int32) {
	i := uint64(h) & t.mask
	for t.slots[i].idx != idx+1 {
		i = (i + 1) & t.mask
	}
	// Algorithm R: an entry later in the run moves into the hole unless its
	// home slot lies cyclically in (hole, entry]
	for j := i; ; {
		j = (j + 1) & t.mask
		s := t.slots[j]
		if s.idx == 0 {
			break
		}
		if home := uint64(s.hash) & t.mask; (j-home)&t.mask >= (j-i)&t.mask {
			t.slots[i] = s
			i = j
		}
	}
	t.slots[i] = tslot{}
	t.n--
}
