package forest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/netwarden/netwarden/internal/bincodec"
	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// The binary format (all integers little-endian):
//
//	"NWRF"                 magic, 4 bytes
//	version      uint16    formatVersion
//	reserved     uint16    0
//	numFeatures  uint32
//	numClasses   uint32
//	normalClass  uint32
//	criterion    uint8
//	oob          float64   NaN when not computed
//	hasNames     uint8     0 or 1; when 1, numFeatures × (uint32 length, bytes)
//	numTrees     uint32
//	numTrees × tree:
//	  numNodes   uint32
//	  numNodes × (threshold float64, feature int32, left int32, right int32, flags uint8)
//	  numNodes × numClasses float64 values
//	  numNodes float64 covers
//	crc          uint32    CRC-32 (IEEE) of every byte before it
const (
	magic         = "NWRF"
	formatVersion = 1
	headerLen     = 8
	nodeLen       = 21
)

// MarshalBinary encodes the forest in netwarden's versioned random forest
// format (magic "NWRF", version, payload, CRC-32). The encoding of a forest
// is deterministic: equal forests give equal bytes.
func (f *Forest) MarshalBinary() ([]byte, error) {
	if f.trees == nil {
		return nil, fmt.Errorf("forest: %w", errs.ErrNotFitted)
	}
	size := headerLen + 4*3 + 1 + 8 + 1 + 4 + 4
	for _, s := range f.names {
		size += 4 + len(s)
	}
	for i := range f.trees {
		size += 4 + len(f.trees[i].Nodes)*(nodeLen+8*(f.numClasses+1))
	}
	b := make([]byte, 0, size)
	le := binary.LittleEndian
	b = append(b, magic...)
	b = le.AppendUint16(b, formatVersion)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(f.numFeatures))
	b = le.AppendUint32(b, uint32(f.numClasses))
	b = le.AppendUint32(b, uint32(f.normalClass))
	b = append(b, byte(f.criterion))
	b = le.AppendUint64(b, math.Float64bits(f.oob))
	if f.names == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		for _, s := range f.names {
			b = le.AppendUint32(b, uint32(len(s)))
			b = append(b, s...)
		}
	}
	b = le.AppendUint32(b, uint32(len(f.trees)))
	for i := range f.trees {
		t := &f.trees[i]
		b = le.AppendUint32(b, uint32(len(t.Nodes)))
		for _, n := range t.Nodes {
			b = le.AppendUint64(b, math.Float64bits(n.Threshold))
			b = le.AppendUint32(b, uint32(n.Feature))
			b = le.AppendUint32(b, uint32(n.Left))
			b = le.AppendUint32(b, uint32(n.Right))
			b = append(b, byte(n.Flags))
		}
		for _, v := range t.Values {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
		for _, v := range t.Cover {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
	}
	return le.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// UnmarshalBinary decodes a forest written by MarshalBinary, replacing f.
// Bytes of another format, truncated or corrupt bytes and structurally
// invalid trees are errors wrapping errs.ErrFormat or errs.ErrChecksum; a
// newer format version wraps errs.ErrVersion. On error f is unchanged.
func (f *Forest) UnmarshalBinary(data []byte) error {
	le := binary.LittleEndian
	if len(data) < headerLen || string(data[:4]) != magic {
		n := min(len(data), 4)
		return fmt.Errorf("forest: not a random forest (magic %q, want %q): %w", data[:n], magic, errs.ErrFormat)
	}
	if v := le.Uint16(data[4:]); v != formatVersion {
		if v > formatVersion {
			return fmt.Errorf("forest: format version %d, this build reads %d: %w", v, formatVersion, errs.ErrVersion)
		}
		return fmt.Errorf("forest: format version %d: %w", v, errs.ErrFormat)
	}
	if r := le.Uint16(data[6:]); r != 0 {
		// MarshalBinary writes 0; anything else would not survive a round trip.
		return fmt.Errorf("forest: reserved header field %#x, want 0: %w", r, errs.ErrFormat)
	}
	if len(data) < headerLen+4 {
		return fmt.Errorf("forest: truncated after %d bytes: %w", len(data), errs.ErrFormat)
	}
	body := data[:len(data)-4]
	if got, want := crc32.ChecksumIEEE(body), le.Uint32(data[len(data)-4:]); got != want {
		return fmt.Errorf("forest: CRC-32 %08x, stored %08x (truncated or corrupt): %w", got, want, errs.ErrChecksum)
	}
	r := bincodec.NewReader(body, "forest: ")
	r.Skip(headerLen) // checked above
	var g Forest
	p, k, normal := r.Uint32(), r.Uint32(), r.Uint32()
	crit := Criterion(r.Uint8())
	g.oob = r.Float64()
	hasNames := r.Uint8()
	if r.Err() != nil {
		return r.Err()
	}
	switch {
	case p == 0 || p > MaxColumns:
		return fmt.Errorf("forest: %d features: %w", p, errs.ErrFormat)
	case k < 2 || k > 1<<16:
		return fmt.Errorf("forest: %d classes: %w", k, errs.ErrFormat)
	case normal >= k:
		return fmt.Errorf("forest: normal class %d of %d: %w", normal, k, errs.ErrFormat)
	case crit > Entropy:
		return fmt.Errorf("forest: criterion %d: %w", crit, errs.ErrFormat)
	case hasNames > 1:
		return fmt.Errorf("forest: names flag %d: %w", hasNames, errs.ErrFormat)
	case !math.IsNaN(g.oob) && !(g.oob >= 0 && g.oob <= 1):
		return fmt.Errorf("forest: out-of-bag score %v: %w", g.oob, errs.ErrFormat)
	}
	g.numFeatures, g.numClasses, g.normalClass, g.criterion = int(p), int(k), int(normal), crit
	if hasNames == 1 {
		// Each name takes at least its 4-byte length.
		g.names = make([]string, r.Count(uint64(p), 4, "feature names"))
		for j := range g.names {
			g.names[j] = string(r.Bytes(r.Count(uint64(r.Uint32()), 1, "feature name bytes")))
		}
	}
	nt := r.Count(uint64(r.Uint32()), 4, "trees")
	if r.Err() != nil {
		return r.Err()
	}
	if nt == 0 {
		return fmt.Errorf("forest: no trees: %w", errs.ErrFormat)
	}
	g.trees = make([]tree.Tree, nt)
	for ti := range g.trees {
		nn := r.Count(uint64(r.Uint32()), nodeLen+8*(int(k)+1), "nodes")
		if r.Err() != nil {
			return r.Err()
		}
		t := tree.Tree{
			Nodes:   make([]tree.Node, nn),
			Outputs: int(k),
			Values:  make([]float64, nn*int(k)),
			Cover:   make([]float64, nn),
		}
		for i := range t.Nodes {
			n := &t.Nodes[i]
			n.Threshold = r.Float64()
			n.Feature = int32(r.Uint32())
			n.Left = int32(r.Uint32())
			n.Right = int32(r.Uint32())
			n.Flags = tree.Flags(r.Uint8())
			if n.Flags&^tree.DefaultLeft != 0 {
				return fmt.Errorf("forest: tree %d node %d: flags %#x: %w", ti, i, n.Flags, errs.ErrFormat)
			}
		}
		for i := range t.Values {
			t.Values[i] = r.Float64()
			if !(t.Values[i] >= 0 && t.Values[i] <= 1) {
				return fmt.Errorf("forest: tree %d: value %v not a probability: %w", ti, t.Values[i], errs.ErrFormat)
			}
		}
		for i := range t.Cover {
			t.Cover[i] = r.Float64()
			if !(t.Cover[i] >= 0) || math.IsInf(t.Cover[i], 0) {
				return fmt.Errorf("forest: tree %d: cover %v: %w", ti, t.Cover[i], errs.ErrFormat)
			}
		}
		if r.Err() != nil {
			return r.Err()
		}
		if err := t.Validate(int(p)); err != nil {
			return fmt.Errorf("forest: tree %d: %w", ti, err)
		}
		g.trees[ti] = t
	}
	if r.Len() != 0 {
		return fmt.Errorf("forest: %d unexpected bytes after the trees: %w", r.Len(), errs.ErrFormat)
	}
	if err := checkSize(len(g.trees), treeSize(g.trees)); err != nil {
		return fmt.Errorf("%w: %w", err, errs.ErrFormat)
	}
	g.finish()
	*f = g
	return nil
}
