package features

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"sort"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// Magic opens every saved Pipeline.
const Magic = "NWFP"

// Version is the newest format version, the one UnmarshalBinary reads up
// to. MarshalBinary writes version 2 only for a pipeline with a Codes step
// (the step kind version 2 adds) and version 1 otherwise, so that such
// pipelines stay readable by builds that read only version 1.
const Version = 2

// version is the format version MarshalBinary writes for p.
func (p *Pipeline) version() uint16 {
	for i := range p.steps {
		if p.steps[i].kind == KindCodes {
			return 2
		}
	}
	return 1
}

const (
	headerLen  = len(Magic) + 2
	trailerLen = 4
	maxMean    = 64 // columns of one Mean step
)

// MarshalBinary encodes the fitted pipeline: the magic "NWFP", a
// little-endian uint16 version (see Version), the payload (schema, then each
// step's columns, Op parameters, output names, one-hot levels, category
// codes), and the CRC-32
// (IEEE) of all the bytes before it. Pseudonymisation keys are not written,
// only their identifiers (see Pseudonymize).
func (p *Pipeline) MarshalBinary() ([]byte, error) {
	if p == nil || len(p.names) == 0 {
		return nil, fmt.Errorf("features: marshal an unfitted pipeline: %w", errs.ErrNotFitted)
	}
	e := encoder{b: make([]byte, 0, 4096)}
	e.b = append(e.b, Magic...)
	e.b = binary.LittleEndian.AppendUint16(e.b, p.version())
	e.uvarint(uint64(len(p.schema.Columns)))
	for _, c := range p.schema.Columns {
		e.str(c.Name)
		e.b = append(e.b, byte(c.Kind))
	}
	e.uvarint(uint64(len(p.steps)))
	for i := range p.steps {
		f := &p.steps[i]
		e.b = append(e.b, byte(f.kind))
		e.uvarint(uint64(len(f.src)))
		for _, j := range f.src {
			e.uvarint(uint64(j))
		}
		e.bool(f.nan)
		e.f64(f.smooth)
		e.uvarint(uint64(len(f.ops)))
		for _, o := range f.ops {
			e.b = append(e.b, byte(o.op))
			e.f64(o.center)
			e.f64(o.scale)
		}
		e.uvarint(uint64(len(f.names)))
		for _, n := range f.names {
			e.str(n)
		}
		switch f.kind {
		case KindOneHot:
			e.b = append(e.b, byte(f.unknown))
			e.uvarint(uint64(f.other + 1))
			keys := make([]string, 0, len(f.index))
			for k := range f.index {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			e.uvarint(uint64(len(keys)))
			for _, k := range keys {
				e.str(k)
				e.uvarint(uint64(f.index[k]))
			}
			e.bool(f.mapping != nil)
			if f.mapping != nil {
				keys = keys[:0]
				for k := range f.mapping {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				e.uvarint(uint64(len(keys)))
				for _, k := range keys {
					e.str(k)
					e.str(f.mapping[k])
				}
				e.str(f.mapDef)
			}
		case KindCodes:
			keys := make([]string, 0, len(f.codes))
			for k := range f.codes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			e.uvarint(uint64(len(keys)))
			for _, k := range keys {
				e.str(k)
				e.uvarint(uint64(f.codes[k]))
			}
		case KindPseudonymize:
			e.b = append(e.b, f.keyID[:]...)
		}
	}
	e.b = binary.LittleEndian.AppendUint32(e.b, crc32.ChecksumIEEE(e.b))
	return e.b, nil
}

// UnmarshalBinary decodes a pipeline written by MarshalBinary into p,
// replacing its contents. Bytes that do not start with the magic, or are
// truncated or corrupt, are an error wrapping ErrFormat; a checksum mismatch
// wraps ErrChecksum; a version newer than Version wraps ErrVersion. Every
// index and parameter is checked, so a decoded pipeline cannot panic. A
// pipeline with Pseudonymize steps needs SetKey before use.
func (p *Pipeline) UnmarshalBinary(b []byte) error {
	if len(b) < len(Magic) || string(b[:len(Magic)]) != Magic {
		return fmt.Errorf("features: not a saved pipeline (no %q magic): %w", Magic, errs.ErrFormat)
	}
	if len(b) < headerLen+trailerLen {
		return fmt.Errorf("features: pipeline truncated at %d bytes: %w", len(b), errs.ErrFormat)
	}
	v := binary.LittleEndian.Uint16(b[len(Magic):])
	if v < 1 || v > Version {
		if v > Version {
			return fmt.Errorf("features: pipeline format version %d, this build reads up to %d: %w", v, Version, errs.ErrVersion)
		}
		return fmt.Errorf("features: pipeline format version %d: %w", v, errs.ErrVersion)
	}
	body := b[:len(b)-trailerLen]
	if got, want := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(b[len(body):]); got != want {
		return fmt.Errorf("features: pipeline checksum %08x, stored %08x (truncated or damaged): %w", got, want, errs.ErrChecksum)
	}
	d := decoder{b: body[headerLen:], version: v}
	q, err := d.pipeline()
	if err != nil {
		return fmt.Errorf("features: pipeline at byte %d: %w", headerLen+d.off, err)
	}
	*p = *q
	return nil
}

func (d *decoder) pipeline() (*Pipeline, error) {
	p := &Pipeline{}
	nc := d.count(2)
	for range nc {
		name := d.str()
		k := dataset.Kind(d.byte())
		if d.err == nil && k != dataset.Numeric && k != dataset.Categorical {
			d.fail("column kind %d", k)
		}
		p.schema.Columns = append(p.schema.Columns, dataset.Column{Name: name, Kind: k})
	}
	ns := d.count(4)
	for range ns {
		if d.err != nil {
			break
		}
		f := step{kind: Kind(d.byte()), other: -1}
		nsrc := d.count(1)
		for range nsrc {
			j := d.uvarint()
			if d.err == nil && j >= uint64(len(p.schema.Columns)) {
				d.fail("column index %d of %d", j, len(p.schema.Columns))
			}
			if d.err != nil {
				break
			}
			f.src = append(f.src, int(j))
			f.srcNames = append(f.srcNames, p.schema.Columns[j].Name)
		}
		f.nan = d.bool()
		f.smooth = d.f64()
		nops := d.count(17)
		for range nops {
			o := fop{op: Op(d.byte()), center: d.f64(), scale: d.f64()}
			if d.err == nil {
				switch {
				case !o.op.valid():
					d.fail("op %d", o.op)
				case o.op.affine() && (!finite(o.center) || !finite(o.scale) || o.scale == 0):
					d.fail("%s center %g scale %g", o.op, o.center, o.scale)
				}
			}
			f.ops = append(f.ops, o)
		}
		nn := d.count(1)
		for range nn {
			f.names = append(f.names, d.str())
		}
		switch f.kind {
		case KindOneHot:
			f.unknown = Unknown(d.byte())
			f.other = int32(d.uvarint()) - 1
			ni := d.count(2)
			f.index = make(map[string]int32, ni)
			for range ni {
				k := d.str()
				v := d.uvarint()
				if d.err == nil && v >= uint64(len(f.names)) {
					d.fail("one-hot output %d of %d", v, len(f.names))
				}
				f.index[k] = int32(v)
			}
			if d.bool() {
				nm := d.count(2)
				f.mapping = make(map[string]string, nm)
				for range nm {
					k := d.str()
					f.mapping[k] = d.str()
				}
				f.mapDef = d.str()
			}
		case KindCodes:
			if d.err == nil && d.version < 2 {
				d.fail("codes step in a version %d pipeline", d.version)
			}
			nc := d.count(2)
			f.codes = make(map[string]int32, nc)
			for range nc {
				k := d.str()
				v := d.uvarint()
				if d.err == nil && v > MaxCode {
					d.fail("category %q has code %d, want at most %d", k, v, MaxCode)
				}
				f.codes[k] = int32(v)
			}
		case KindPseudonymize:
			copy(f.keyID[:], d.bytes(keyIDLen))
		}
		if d.err == nil {
			if err := p.checkStep(&f); err != nil {
				d.fail("step %d (%s): %v", len(p.steps), f.kind, err)
			}
		}
		f.off = len(p.names)
		p.names = append(p.names, f.names...)
		for range f.names {
			p.sources = append(p.sources, f.srcNames)
		}
		p.steps = append(p.steps, f)
	}
	if d.err == nil && len(d.b) != d.off {
		d.fail("%d bytes after the last step", len(d.b)-d.off)
	}
	if d.err == nil && len(p.names) == 0 {
		d.fail("no output")
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := p.checkNames(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkStep checks a decoded step's shape against the schema.
func (p *Pipeline) checkStep(f *step) error {
	want := dataset.Numeric
	nsrc, nout := 1, 1
	switch f.kind {
	case KindNumeric:
	case KindRatio:
		nsrc = 2
	case KindMean:
		nsrc = len(f.src)
		if nsrc < 1 || nsrc > maxMean {
			return fmt.Errorf("%d columns", nsrc)
		}
	case KindCodes:
		want = dataset.Categorical
		if len(f.ops) > 0 || !f.nan || f.smooth != 0 {
			return fmt.Errorf("ops, no NaN or smoothing on a codes step")
		}
		if len(f.codes) == 0 {
			return fmt.Errorf("no category codes")
		}
	case KindOneHot, KindPseudonymize:
		want = dataset.Categorical
		nout = len(f.names)
		if nout < 1 || nout > maxBuckets && f.kind == KindPseudonymize {
			return fmt.Errorf("%d outputs", nout)
		}
		if len(f.ops) > 0 {
			return fmt.Errorf("ops on a categorical step")
		}
	default:
		return fmt.Errorf("unknown kind")
	}
	if len(f.src) != nsrc || len(f.names) != nout {
		return fmt.Errorf("%d columns and %d outputs", len(f.src), len(f.names))
	}
	for _, j := range f.src {
		if p.schema.Columns[j].Kind != want {
			return fmt.Errorf("column %q is %s", p.schema.Columns[j].Name, p.schema.Columns[j].Kind)
		}
	}
	if f.kind == KindRatio && !(f.smooth > 0 && finite(f.smooth)) {
		return fmt.Errorf("smoothing %g", f.smooth)
	}
	if f.kind == KindOneHot {
		if f.unknown > UnknownOther {
			return fmt.Errorf("unknown-level policy %d", f.unknown)
		}
		if f.other < -1 || f.other >= int32(len(f.names)) || (f.unknown == UnknownOther && f.other < 0) {
			return fmt.Errorf("other bucket %d", f.other)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

type encoder struct{ b []byte }

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) f64(v float64)    { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *encoder) str(s string)     { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// decoder reads the payload; after the first error every read returns zero.
type decoder struct {
	b       []byte
	off     int
	err     error
	version uint16
}

func (d *decoder) fail(format string, a ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format+": %w", append(a, errs.ErrFormat)...)
	}
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.fail("truncated")
		return nil
	}
	s := d.b[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) byte() byte {
	if s := d.bytes(1); s != nil {
		return s[0]
	}
	return 0
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad boolean")
	return false
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// count reads a length whose items take at least size bytes each, so that a
// corrupt length cannot make the decoder allocate more than the input.
func (d *decoder) count(size int) int {
	v := d.uvarint()
	if d.err == nil && v > uint64((len(d.b)-d.off)/size) {
		d.fail("count %d exceeds the remaining %d bytes", v, len(d.b)-d.off)
		return 0
	}
	return int(v)
}

func (d *decoder) f64() float64 {
	if s := d.bytes(8); s != nil {
		return math.Float64frombits(binary.LittleEndian.Uint64(s))
	}
	return 0
}

func (d *decoder) str() string {
	n := d.count(1)
	return string(d.bytes(n))
}
