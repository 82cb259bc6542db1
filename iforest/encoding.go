package iforest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// The binary format (all integers little endian):
//
//	magic    [8]byte  "NWIFORST"
//	version  uint16   formatVersion
//	reserved uint16   0
//	length   uint32   payload length in bytes
//	payload:
//	  numFeatures, sampleSize, maxDepth, extensionLevel, numTrees  uint32
//	  numNames uint32 (0 or numFeatures), then each name: uint32 length, bytes
//	  classic (extensionLevel 0), per tree: uint32 numNodes, then per node
//	    int32 feature, int32 left, int32 right, float64 threshold,
//	    float64 value, float64 cover  (36 bytes; tree.Tree node order)
//	  extended, per tree: uint32 numNodes, then per node (breadth first,
//	    siblings adjacent) int32 left (-1 for a leaf), float64 b, and for an
//	    internal node extensionLevel+1 × (int32 feature, float64 coefficient)
//	crc32    uint32   IEEE CRC-32 of everything before it
const (
	magic         = "NWIFORST"
	formatVersion = 1
	headerLen     = 8 + 2 + 2 + 4
	maxNameLen    = 1 << 16
	// maxFeatures bounds the feature count a file may declare, so that a
	// corrupt count cannot make callers allocate gigabytes for a row.
	maxFeatures = 1 << 24
)

// MarshalBinary encodes the forest in a versioned binary format with a
// magic header and a CRC-32 checksum. The encoding of a forest depends only
// on its trees, so equal forests encode to equal bytes.
func (f *Forest) MarshalBinary() ([]byte, error) {
	if f == nil || f.numFeatures == 0 {
		return nil, fmt.Errorf("iforest: marshal: %w", errs.ErrNotFitted)
	}
	b := make([]byte, headerLen, headerLen+64+len(f.nodes)*36+len(f.enodes)*12+len(f.eidx)*12)
	copy(b, magic)
	binary.LittleEndian.PutUint16(b[8:], formatVersion)
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	f64 := func(v float64) { b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v)) }
	u32(uint32(f.numFeatures))
	u32(uint32(f.psi))
	u32(uint32(f.maxDepth))
	u32(uint32(f.ext))
	u32(uint32(len(f.roots)))
	u32(uint32(len(f.names)))
	for _, s := range f.names {
		u32(uint32(len(s)))
		b = append(b, s...)
	}
	if f.ext == 0 {
		for ti := range f.trees {
			t := &f.trees[ti]
			u32(uint32(len(t.Nodes)))
			for i, n := range t.Nodes {
				u32(uint32(n.Feature))
				u32(uint32(n.Left))
				u32(uint32(n.Right))
				f64(n.Threshold)
				f64(t.Values[i])
				f64(t.Cover[i])
			}
		}
	} else {
		k := f.ext + 1
		for ti, root := range f.roots {
			end := int32(len(f.enodes))
			if ti+1 < len(f.roots) {
				end = f.roots[ti+1]
			}
			u32(uint32(end - root))
			for _, n := range f.enodes[root:end] {
				if n.left < 0 {
					u32(math.MaxUint32)
					f64(n.b)
					continue
				}
				u32(uint32(n.left - root))
				f64(n.b)
				for q := range k {
					u32(uint32(f.eidx[int(n.off)+q]))
					f64(f.ecoef[int(n.off)+q])
				}
			}
		}
	}
	binary.LittleEndian.PutUint32(b[12:], uint32(len(b)-headerLen))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	return b, nil
}

// reader decodes the payload with a sticky error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("iforest: unmarshal: offset %d: "+format+": %w", append([]any{headerLen + r.off}, append(a, errs.ErrFormat)...)...)
	}
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail("payload truncated (need %d more bytes, have %d)", n, len(r.b)-r.off)
		return false
	}
	return true
}

func (r *reader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) f64() float64 {
	if !r.need(8) {
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
	r.off += 8
	return v
}

// count reads a count whose items take at least size bytes each and fails
// if the rest of the payload cannot hold them, so that a corrupt count
// never makes a huge allocation.
func (r *reader) count(what string, size int) int {
	v := r.u32()
	if r.err != nil {
		return 0
	}
	if uint64(v)*uint64(size) > uint64(len(r.b)-r.off) {
		r.fail("%d %s do not fit in the %d bytes left", v, what, len(r.b)-r.off)
		return 0
	}
	return int(v)
}

// UnmarshalBinary decodes a forest written by MarshalBinary into f,
// replacing its contents. Bytes that are truncated, do not start with the
// magic header, or hold an inconsistent forest are an error wrapping
// ErrFormat; a checksum mismatch wraps ErrChecksum; a newer format version
// wraps ErrVersion. On error f is left unchanged. Every tree is checked
// (children in range and after their parent, features in range, finite
// values), so a forest that decodes can score any row without a panic. A
// file may declare at most 2^24 features.
func (f *Forest) UnmarshalBinary(data []byte) error {
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return fmt.Errorf("iforest: unmarshal: not an iforest model (bad magic header): %w", errs.ErrFormat)
	}
	if len(data) < headerLen+4 {
		return fmt.Errorf("iforest: unmarshal: truncated header (%d bytes): %w", len(data), errs.ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != formatVersion {
		return fmt.Errorf("iforest: unmarshal: format version %d, this build reads %d: %w", v, formatVersion, errs.ErrVersion)
	}
	plen := binary.LittleEndian.Uint32(data[12:])
	if want := uint64(headerLen) + uint64(plen) + 4; uint64(len(data)) != want {
		return fmt.Errorf("iforest: unmarshal: %d bytes, header says %d: %w", len(data), want, errs.ErrFormat)
	}
	body := data[:len(data)-4]
	if got, want := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(data[len(data)-4:]); got != want {
		return fmt.Errorf("iforest: unmarshal: crc32 %08x, stored %08x: %w", got, want, errs.ErrChecksum)
	}
	if binary.LittleEndian.Uint16(data[10:]) != 0 {
		return fmt.Errorf("iforest: unmarshal: reserved header bits set: %w", errs.ErrFormat)
	}
	g, err := decode(data[headerLen : len(data)-4])
	if err != nil {
		return err
	}
	*f = *g
	return nil
}

func decode(p []byte) (*Forest, error) {
	r := &reader{b: p}
	g := &Forest{}
	nf, psi, depth, ext, nt := r.u32(), r.u32(), r.u32(), r.u32(), r.u32()
	if r.err != nil {
		return nil, r.err
	}
	switch {
	case nf == 0 || nf > maxFeatures:
		r.fail("%d features", nf)
	case psi < 2 || psi > math.MaxInt32:
		r.fail("sample size %d", psi)
	case depth > 64:
		r.fail("max depth %d", depth)
	case ext >= nf:
		r.fail("extension level %d for %d features", ext, nf)
	case nt == 0:
		r.fail("no trees")
	}
	if r.err != nil {
		return nil, r.err
	}
	g.numFeatures, g.psi, g.maxDepth, g.ext = int(nf), int(psi), int(depth), int(ext)
	g.cpsi = AveragePathLength(g.psi)
	// No path is longer than the height limit plus c(ψ): bounding leaf
	// values keeps every score in (0, 1].
	maxPath := float64(g.maxDepth) + g.cpsi + 1e-9
	nn := r.count("names", 4)
	if r.err == nil && nn != 0 && nn != g.numFeatures {
		r.fail("%d names for %d features", nn, nf)
	}
	if nn > 0 {
		g.names = make([]string, nn)
		for i := range g.names {
			l := r.count("name bytes", 1)
			if l > maxNameLen {
				r.fail("name %d of %d bytes", i, l)
			}
			if !r.need(l) {
				return nil, r.err
			}
			g.names[i] = string(r.b[r.off : r.off+l])
			r.off += l
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	// Each tree takes at least its node count and one leaf.
	perTree := 4 + 12
	if ext == 0 {
		perTree = 4 + 36
	}
	if uint64(nt)*uint64(perTree) > uint64(len(p)-r.off) {
		r.fail("%d trees do not fit in the %d bytes left", nt, len(p)-r.off)
		return nil, r.err
	}
	if ext == 0 {
		g.trees = make([]tree.Tree, nt)
		for ti := range g.trees {
			n := r.count("nodes", 36)
			if n == 0 && r.err == nil {
				r.fail("tree %d has no nodes", ti)
			}
			if r.err != nil {
				return nil, r.err
			}
			t := tree.Tree{Nodes: make([]tree.Node, n), Outputs: 1, Values: make([]float64, n), Cover: make([]float64, n)}
			for i := range t.Nodes {
				nd := &t.Nodes[i]
				nd.Feature, nd.Left, nd.Right = int32(r.u32()), int32(r.u32()), int32(r.u32())
				nd.Threshold, t.Values[i], t.Cover[i] = r.f64(), r.f64(), r.f64()
				if nd.Feature < 0 {
					nd.Left, nd.Right = -1, -1 // not used by leaves
				}
			}
			if r.err != nil {
				return nil, r.err
			}
			if err := t.Validate(g.numFeatures); err != nil {
				return nil, fmt.Errorf("iforest: unmarshal: tree %d: %w", ti, err)
			}
			for i := range t.Nodes {
				if v, c := t.Values[i], t.Cover[i]; !(v >= 0 && v <= maxPath) || !(c >= 1 && c <= float64(g.psi)) {
					return nil, fmt.Errorf("iforest: unmarshal: tree %d node %d: value %v, cover %v: %w", ti, i, v, c, errs.ErrFormat)
				}
				// A fitted tree splits the rows that reach a node between its
				// two children, none empty: covers that do not add up are
				// not a forest Fit made, and TreeSHAP could not explain them.
				if nd := t.Nodes[i]; nd.Feature >= 0 && t.Cover[i] != t.Cover[nd.Left]+t.Cover[nd.Right] {
					return nil, fmt.Errorf("iforest: unmarshal: tree %d node %d: cover %v is not its children's %v + %v: %w",
						ti, i, t.Cover[i], t.Cover[nd.Left], t.Cover[nd.Right], errs.ErrFormat)
				}
				if t.Nodes[i].Feature >= 0 && math.IsInf(t.Nodes[i].Threshold, 0) {
					return nil, fmt.Errorf("iforest: unmarshal: tree %d node %d: threshold %v: %w", ti, i, t.Nodes[i].Threshold, errs.ErrFormat)
				}
			}
			g.trees[ti] = t
		}
		if r.off != len(p) {
			r.fail("%d bytes after the last tree", len(p)-r.off)
			return nil, r.err
		}
		g.compactClassic()
		return g, nil
	}
	k := int(ext) + 1
	g.roots = make([]int32, nt)
	for ti := range g.roots {
		n := r.count("nodes", 12)
		if n == 0 && r.err == nil {
			r.fail("tree %d has no nodes", ti)
		}
		if r.err != nil {
			return nil, r.err
		}
		if len(g.enodes)+n > math.MaxInt32 {
			r.fail("too many nodes")
			return nil, r.err
		}
		base := int32(len(g.enodes))
		g.roots[ti] = base
		for i := range n {
			left := int32(r.u32())
			b := r.f64()
			if r.err != nil {
				return nil, r.err
			}
			if !finite(b) {
				r.fail("tree %d node %d: value %v", ti, i, b)
				return nil, r.err
			}
			if left == -1 {
				if !(b >= 0 && b <= maxPath) {
					r.fail("tree %d node %d: path length %v", ti, i, b)
					return nil, r.err
				}
				g.enodes = append(g.enodes, hnode{b: b, left: -1})
				continue
			}
			// Children adjacent, after their parent, inside the tree: every
			// walk goes down and ends at a leaf.
			if int(left) <= i || int(left)+1 >= n {
				r.fail("tree %d node %d: children %d, %d out of range (%d, %d)", ti, i, left, left+1, i, n)
				return nil, r.err
			}
			off := int32(len(g.eidx))
			for range k {
				j, c := r.u32(), r.f64()
				if r.err != nil {
					return nil, r.err
				}
				if j >= nf || !finite(c) {
					r.fail("tree %d node %d: coefficient %v on feature %d", ti, i, c, j)
					return nil, r.err
				}
				g.eidx = append(g.eidx, int32(j))
				g.ecoef = append(g.ecoef, c)
			}
			g.enodes = append(g.enodes, hnode{b: b, left: base + left, off: off})
		}
	}
	if r.off != len(p) {
		r.fail("%d bytes after the last tree", len(p)-r.off)
		return nil, r.err
	}
	return g, nil
}

func finite(v float64) bool { return v-v == 0 }
