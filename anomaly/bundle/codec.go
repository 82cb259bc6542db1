package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/bincodec"
)

// Magic opens every bundle file.
const Magic = "NWBUNDLE"

// Version is the format version MarshalBinary writes and the newest Load
// reads.
const Version = 1

// The layout (integers little endian):
//
//	magic     [8]byte "NWBUNDLE"
//	version   uint16
//	reserved  uint16  0
//	metadata  uint32 length, JSON (Metadata)
//	threshold float64
//	pipeline  uint64 length, features.Pipeline.MarshalBinary bytes
//	model     part (below)
//	sha256    [32]byte of everything before it
//
// part: kind byte, then for Isolation and Random Forests uint64 length and
// the model's MarshalBinary bytes; for XGBoost uint32 normal class, uint64
// length and the model document; for a Hybrid uint32 length and the
// anomaly.HybridParams as JSON, then the classifier's part and the novelty
// detector's part.
const (
	headerLen  = len(Magic) + 4
	sumLen     = sha256.Size
	maxMetaLen = 1 << 24
)

// MarshalBinary encodes the bundle (see the package documentation).
func (b *Bundle) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTo writes the encoded bundle to w.
func (b *Bundle) WriteTo(w io.Writer) (int64, error) {
	out := make([]byte, 0, 1<<16)
	out = append(out, Magic...)
	out = binary.LittleEndian.AppendUint16(out, Version)
	out = binary.LittleEndian.AppendUint16(out, 0)
	meta, err := json.Marshal(b.meta)
	if err != nil {
		return 0, fmt.Errorf("bundle: metadata: %w", err)
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	out = append(out, meta...)
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(float64(b.threshold)))
	pb, err := b.pipeline.MarshalBinary()
	if err != nil {
		return 0, fmt.Errorf("bundle: %w", err)
	}
	out = binary.LittleEndian.AppendUint64(out, uint64(len(pb)))
	out = append(out, pb...)
	if out, err = appendPart(out, b.detector); err != nil {
		return 0, err
	}
	sum := sha256.Sum256(out)
	out = append(out, sum[:]...)
	n, err := w.Write(out)
	if err != nil {
		return int64(n), fmt.Errorf("bundle: %w", err)
	}
	return int64(n), nil
}

func appendPart(out []byte, d anomaly.Detector) ([]byte, error) {
	k, err := kindOf(d, true)
	if err != nil {
		return nil, err
	}
	out = append(out, byte(k))
	var mb []byte
	switch m := d.(type) {
	case *iforest.Forest:
		mb, err = m.MarshalBinary()
	case *forest.Forest:
		mb, err = m.MarshalBinary()
	case *XGBoostModel:
		out = binary.LittleEndian.AppendUint32(out, uint32(m.NormalClass()))
		mb = m.src
	case *anomaly.Hybrid:
		pj, err := json.Marshal(m.Params())
		if err != nil {
			return nil, fmt.Errorf("bundle: hybrid parameters: %w", err)
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(pj)))
		out = append(out, pj...)
		if out, err = appendPart(out, m.Classifier()); err != nil {
			return nil, err
		}
		return appendPart(out, m.Novelty())
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", k, err)
	}
	out = binary.LittleEndian.AppendUint64(out, uint64(len(mb)))
	return append(out, mb...), nil
}

// Save writes the bundle to the file path, atomically: it writes a
// temporary file in the same directory and renames it over path, so that a
// reader never sees half a bundle.
func (b *Bundle) Save(path string) error {
	data, err := b.MarshalBinary()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".bundle-*")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("bundle: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("bundle: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// Load reads a bundle file written by Save. See UnmarshalBinary for the
// errors; a pipeline with Pseudonymize steps then needs SetKey.
func Load(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	b, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return b, nil
}

// Read reads a whole bundle from r (see Parse).
func Read(r io.Reader) (*Bundle, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return Parse(data)
}

// Parse decodes a bundle from data. Bytes without the magic, or truncated,
// or whose parts do not decode, are an error wrapping ErrFormat; a SHA-256
// mismatch (a flipped byte) wraps ErrChecksum; a version newer than Version
// wraps ErrVersion. The model is decoded by its own package's decoder,
// chosen from a fixed list by the kind byte; nothing else runs.
func Parse(data []byte) (*Bundle, error) {
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("bundle: not a bundle (no %q magic): %w", Magic, anomaly.ErrFormat)
	}
	if len(data) < headerLen+sumLen {
		return nil, fmt.Errorf("bundle: truncated at %d bytes: %w", len(data), anomaly.ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(data[len(Magic):]); v != Version {
		if v > Version {
			return nil, fmt.Errorf("bundle: format version %d, this build reads up to %d (upgrade netwarden): %w", v, Version, anomaly.ErrVersion)
		}
		return nil, fmt.Errorf("bundle: format version %d: %w", v, anomaly.ErrVersion)
	}
	body := data[:len(data)-sumLen]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], data[len(body):]) {
		return nil, fmt.Errorf("bundle: SHA-256 mismatch (truncated or damaged file): %w", anomaly.ErrChecksum)
	}
	if binary.LittleEndian.Uint16(data[len(Magic)+2:]) != 0 {
		return nil, fmt.Errorf("bundle: reserved header bytes are not zero: %w", anomaly.ErrFormat)
	}
	r := bincodec.NewReader(body, "bundle: ")
	r.Skip(headerLen) // checked above
	var meta Metadata
	mj := r.Bytes(r.Count(uint64(r.Uint32()), 1, "metadata bytes"))
	if r.Err() == nil {
		if len(mj) > maxMetaLen {
			r.Failf("metadata of %d bytes", len(mj))
		} else if err := json.Unmarshal(mj, &meta); err != nil {
			r.Failf("metadata: %v", err)
		} else if _, err := json.Marshal(meta); err != nil {
			r.Failf("metadata: %v", err) // e.g. a year beyond 9999, which could not be saved again
		}
	}
	t := anomaly.Threshold(r.Float64())
	pb := r.Bytes(r.Count(r.Uint64(), 1, "pipeline bytes"))
	var p features.Pipeline
	if r.Err() == nil {
		if err := p.UnmarshalBinary(pb); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
	}
	d, k := readPart(r, true)
	if r.Err() == nil && r.Len() != 0 {
		r.Failf("%d bytes after the model", r.Len())
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	if math.IsNaN(float64(t)) {
		return nil, fmt.Errorf("bundle: NaN threshold: %w", anomaly.ErrFormat)
	}
	if d.NumFeatures() != p.NumFeatures() {
		return nil, fmt.Errorf("bundle: the %s takes %d features, the pipeline gives %d: %w", k, d.NumFeatures(), p.NumFeatures(), anomaly.ErrFormat)
	}
	if err := checkNames(d, p.Names()); err != nil {
		return nil, err
	}
	return assemble(&p, d, t, meta, k), nil
}

// readPart decodes one model part.
func readPart(r *bincodec.Reader, top bool) (anomaly.Detector, Kind) {
	k := Kind(r.Uint8())
	if r.Err() != nil {
		return nil, 0
	}
	switch k {
	case IsolationForest:
		mb := r.Bytes(r.Count(r.Uint64(), 1, "isolation forest bytes"))
		if r.Err() != nil {
			return nil, 0
		}
		var f iforest.Forest
		if err := f.UnmarshalBinary(mb); err != nil {
			r.Fail(fmt.Errorf("bundle: %w", err))
			return nil, 0
		}
		return &f, k
	case RandomForest:
		mb := r.Bytes(r.Count(r.Uint64(), 1, "random forest bytes"))
		if r.Err() != nil {
			return nil, 0
		}
		var f forest.Forest
		if err := f.UnmarshalBinary(mb); err != nil {
			r.Fail(fmt.Errorf("bundle: %w", err))
			return nil, 0
		}
		return &f, k
	case XGBoost:
		normal := r.Uint32()
		mb := r.Bytes(r.Count(r.Uint64(), 1, "xgboost model bytes"))
		if r.Err() != nil {
			return nil, 0
		}
		m, err := xgboost.Parse(mb)
		if err != nil {
			r.Fail(fmt.Errorf("bundle: %w", err))
			return nil, 0
		}
		if normal != 0 {
			if m, err = m.WithNormalClass(int(normal)); err != nil {
				r.Fail(fmt.Errorf("bundle: %w", err))
				return nil, 0
			}
		}
		return &XGBoostModel{Model: m, src: bytes.Clone(mb)}, k
	case Hybrid:
		if !top {
			r.Failf("a hybrid inside a hybrid")
			return nil, 0
		}
		pj := r.Bytes(r.Count(uint64(r.Uint32()), 1, "hybrid parameter bytes"))
		var hp anomaly.HybridParams
		if r.Err() == nil {
			if err := json.Unmarshal(pj, &hp); err != nil {
				r.Failf("hybrid parameters: %v", err)
			}
		}
		c, _ := readPart(r, false)
		n, _ := readPart(r, false)
		if r.Err() != nil {
			return nil, 0
		}
		h, err := anomaly.NewHybrid(c, n, hp)
		if err != nil {
			r.Fail(fmt.Errorf("bundle: %w: %w", err, anomaly.ErrFormat))
			return nil, 0
		}
		return h, k
	}
	r.Failf("unknown model kind %d (this build knows %s to %s)", k, IsolationForest, Hybrid)
	return nil, 0
}
