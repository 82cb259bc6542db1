package iforest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/netwarden/netwarden/internal/bincodec"
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
	g, err := decode(body)
	if err != nil {
		return err
	}
	*f = *g
	return nil
}

// decode reads the payload of body, the file without its checksum, whose
// header is checked.
func decode(body []byte) (*Forest, error) {
	r := bincodec.NewReader(body, "iforest: unmarshal: ")
	r.Skip(headerLen)
	g := &Forest{}
	nf, psi, depth, ext, nt := r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32(), r.Uint32()
	if r.Err() != nil {
		return nil, r.Err()
	}
	switch {
	case nf == 0 || nf > maxFeatures:
		r.Failf("%d features", nf)
	case psi < 2 || psi > math.MaxInt32:
		r.Failf("sample size %d", psi)
	case depth > 64:
		r.Failf("max depth %d", depth)
	case ext >= nf:
		r.Failf("extension level %d for %d features", ext, nf)
	case nt == 0:
		r.Failf("no trees")
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	g.numFeatures, g.psi, g.maxDepth, g.ext = int(nf), int(psi), int(depth), int(ext)
	g.cpsi = AveragePathLength(g.psi)
	// No path is longer than the height limit plus c(ψ): bounding leaf
	// values keeps every score in (0, 1].
	maxPath := float64(g.maxDepth) + g.cpsi + 1e-9
	nn := r.Count(uint64(r.Uint32()), 4, "names")
	if r.Err() == nil && nn != 0 && nn != g.numFeatures {
		r.Failf("%d names for %d features", nn, nf)
	}
	if nn > 0 {
		g.names = make([]string, nn)
		for i := range g.names {
			l := r.Count(uint64(r.Uint32()), 1, "name bytes")
			if l > maxNameLen {
				r.Failf("name %d of %d bytes", i, l)
			}
			g.names[i] = string(r.Bytes(l))
		}
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	// Each tree takes at least its node count and one leaf.
	perTree := 4 + 12
	if ext == 0 {
		perTree = 4 + 36
	}
	r.Count(uint64(nt), perTree, "trees")
	if r.Err() != nil {
		return nil, r.Err()
	}
	if ext == 0 {
		g.trees = make([]tree.Tree, nt)
		for ti := range g.trees {
			n := r.Count(uint64(r.Uint32()), 36, "nodes")
			if n == 0 && r.Err() == nil {
				r.Failf("tree %d has no nodes", ti)
			}
			if r.Err() != nil {
				return nil, r.Err()
			}
			t := tree.Tree{Nodes: make([]tree.Node, n), Outputs: 1, Values: make([]float64, n), Cover: make([]float64, n)}
			for i := range t.Nodes {
				nd := &t.Nodes[i]
				nd.Feature, nd.Left, nd.Right = int32(r.Uint32()), int32(r.Uint32()), int32(r.Uint32())
				nd.Threshold, t.Values[i], t.Cover[i] = r.Float64(), r.Float64(), r.Float64()
				if nd.Feature < 0 {
					nd.Left, nd.Right = -1, -1 // not used by leaves
				}
			}
			if r.Err() != nil {
				return nil, r.Err()
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
		if r.Len() != 0 {
			r.Failf("%d bytes after the last tree", r.Len())
			return nil, r.Err()
		}
		g.compactClassic()
		return g, nil
	}
	k := int(ext) + 1
	g.roots = make([]int32, nt)
	for ti := range g.roots {
		n := r.Count(uint64(r.Uint32()), 12, "nodes")
		if n == 0 && r.Err() == nil {
			r.Failf("tree %d has no nodes", ti)
		}
		if r.Err() != nil {
			return nil, r.Err()
		}
		if len(g.enodes)+n > math.MaxInt32 {
			r.Failf("too many nodes")
			return nil, r.Err()
		}
		base := int32(len(g.enodes))
		g.roots[ti] = base
		for i := range n {
			left := int32(r.Uint32())
			b := r.Float64()
			if r.Err() != nil {
				return nil, r.Err()
			}
			if !finite(b) {
				r.Failf("tree %d node %d: value %v", ti, i, b)
				return nil, r.Err()
			}
			if left == -1 {
				if !(b >= 0 && b <= maxPath) {
					r.Failf("tree %d node %d: path length %v", ti, i, b)
					return nil, r.Err()
				}
				g.enodes = append(g.enodes, hnode{b: b, left: -1})
				continue
			}
			// Children adjacent, after their parent, inside the tree: every
			// walk goes down and ends at a leaf.
			if int(left) <= i || int(left)+1 >= n {
				r.Failf("tree %d node %d: children %d, %d out of range (%d, %d)", ti, i, left, left+1, i, n)
				return nil, r.Err()
			}
			off := int32(len(g.eidx))
			for range k {
				j, c := r.Uint32(), r.Float64()
				if r.Err() != nil {
					return nil, r.Err()
				}
				if j >= nf || !finite(c) {
					r.Failf("tree %d node %d: coefficient %v on feature %d", ti, i, c, j)
					return nil, r.Err()
				}
				g.eidx = append(g.eidx, int32(j))
				g.ecoef = append(g.ecoef, c)
			}
			g.enodes = append(g.enodes, hnode{b: b, left: base + left, off: off})
		}
	}
	if r.Len() != 0 {
		r.Failf("%d bytes after the last tree", r.Len())
		return nil, r.Err()
	}
	return g, nil
}

func finite(v float64) bool { return v-v == 0 }
