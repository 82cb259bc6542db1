package features

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"sort"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/bincodec"
	"github.com/netwarden/netwarden/internal/errs"
)

// Magic opens every saved Pipeline.
const Magic = "NWFP"

// Version is the newest format version, the one UnmarshalBinary reads up
// to. MarshalBinary writes the oldest version that holds the pipeline, so
// that pipelines stay readable by older builds where they can: version 3
// for a pipeline whose record policy (Policy) is not
// dataset.LegacyRecordPolicy (version 3 adds the policy after the steps),
// else version 2 for a pipeline with a Codes step (the step kind version 2
// adds), else version 1. Versions 1 and 2 read back with the legacy policy.
const Version = 3

// maxTokens bounds the missing-value tokens of a saved policy.
const maxTokens = 1 << 10

// version is the format version MarshalBinary writes for p.
func (p *Pipeline) version() uint16 {
	if !p.policy.Equal(dataset.LegacyRecordPolicy()) {
		return 3
	}
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
// codes; from version 3 the record policy), and the CRC-32
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
			e.uvarint(uint64(len(f.index.levels)))
			for i, k := range f.index.levels {
				e.str(k)
				e.uvarint(uint64(f.index.out[i]))
			}
			var keys []string
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
	if p.version() >= 3 {
		for _, v := range []dataset.ValuePolicy{p.policy.Missing, p.policy.NaN, p.policy.Inf} {
			e.b = append(e.b, byte(v.Action))
			e.f64(v.Value)
		}
		e.uvarint(uint64(len(p.policy.MissingTokens)))
		for _, t := range p.policy.MissingTokens {
			e.str(t)
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
	d := decoder{Reader: bincodec.NewReader(body, "features: pipeline "), version: v}
	d.Skip(headerLen) // checked above
	q, err := d.pipeline()
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

func (d *decoder) pipeline() (*Pipeline, error) {
	p := &Pipeline{}
	nc := d.count(2, "columns")
	for range nc {
		name := d.str()
		k := dataset.Kind(d.Uint8())
		if d.Err() == nil && k != dataset.Numeric && k != dataset.Categorical {
			d.Failf("column kind %d", k)
		}
		p.schema.Columns = append(p.schema.Columns, dataset.Column{Name: name, Kind: k})
	}
	ns := d.count(4, "steps")
	for range ns {
		if d.Err() != nil {
			break
		}
		f := step{kind: Kind(d.Uint8()), other: -1}
		nsrc := d.count(1, "step columns")
		for range nsrc {
			j := d.Uvarint()
			if d.Err() == nil && j >= uint64(len(p.schema.Columns)) {
				d.Failf("column index %d of %d", j, len(p.schema.Columns))
			}
			if d.Err() != nil {
				break
			}
			f.src = append(f.src, int(j))
			f.srcNames = append(f.srcNames, p.schema.Columns[j].Name)
		}
		f.nan = d.bool()
		f.smooth = d.Float64()
		nops := d.count(17, "ops")
		for range nops {
			o := fop{op: Op(d.Uint8()), center: d.Float64(), scale: d.Float64()}
			if d.Err() == nil {
				switch {
				case !o.op.valid():
					d.Failf("op %d", o.op)
				case o.op.affine() && (!finite(o.center) || !finite(o.scale) || o.scale == 0):
					d.Failf("%s center %g scale %g", o.op, o.center, o.scale)
				}
			}
			f.ops = append(f.ops, o)
		}
		nn := d.count(1, "output names")
		if d.Err() == nil && len(p.names)+nn > MaxOutputs {
			d.Failf("%d outputs, at most %d", len(p.names)+nn, MaxOutputs)
		}
		// The names go straight into p.names (f.names is set to its slice
		// once all are read), so that a declared count costs one header per
		// name, bounded by the input.
		start := len(p.names)
		if d.Err() == nil {
			p.names = slices.Grow(p.names, nn)
		}
		for range nn {
			if d.Err() != nil {
				break
			}
			n := d.str()
			if n == "" && d.Err() == nil {
				d.Failf("empty output name")
			}
			p.names = append(p.names, n)
		}
		f.names = p.names[start:len(p.names):len(p.names)]
		switch f.kind {
		case KindOneHot:
			f.unknown = Unknown(d.Uint8())
			f.other = int32(d.Uvarint()) - 1
			ni := d.count(2, "one-hot levels")
			// Levels are written sorted: they are read into the sorted
			// index as they come, and a level out of order (or repeated)
			// is damage.
			if d.Err() == nil {
				f.index = levelIndex{levels: make([]string, 0, ni), out: make([]int32, 0, ni)}
			}
			for range ni {
				if d.Err() != nil {
					break
				}
				k := d.str()
				v := d.Uvarint()
				if d.Err() == nil && v >= uint64(len(f.names)) {
					d.Failf("one-hot output %d of %d", v, len(f.names))
				}
				if n := len(f.index.levels); d.Err() == nil && n > 0 && f.index.levels[n-1] >= k {
					d.Failf("one-hot level %q after %q (levels must be sorted and distinct)", k, f.index.levels[n-1])
				}
				f.index.levels = append(f.index.levels, k)
				f.index.out = append(f.index.out, int32(v))
			}
			if d.bool() {
				nm := d.count(2, "level mappings")
				f.mapping = make(map[string]string, nm)
				for range nm {
					k := d.str()
					f.mapping[k] = d.str()
				}
				f.mapDef = d.str()
			}
		case KindCodes:
			if d.Err() == nil && d.version < 2 {
				d.Failf("codes step in a version %d pipeline", d.version)
			}
			nc := d.count(2, "category codes")
			f.codes = make(map[string]int32, nc)
			for range nc {
				k := d.str()
				v := d.Uvarint()
				if d.Err() == nil && v > MaxCode {
					d.Failf("category %q has code %d, want at most %d", k, v, MaxCode)
				}
				f.codes[k] = int32(v)
			}
		case KindPseudonymize:
			copy(f.keyID[:], d.Bytes(keyIDLen))
		}
		if d.Err() == nil {
			if err := p.checkStep(&f); err != nil {
				d.Failf("step %d (%s): %v", len(p.steps), f.kind, err)
			}
		}
		f.off = start
		p.steps = append(p.steps, f)
	}
	for i := range p.steps {
		f := &p.steps[i]
		f.names = p.names[f.off : f.off+len(f.names) : f.off+len(f.names)]
	}
	p.policy = dataset.LegacyRecordPolicy()
	if d.version >= 3 && d.Err() == nil {
		var pol dataset.RecordPolicy
		for _, v := range []*dataset.ValuePolicy{&pol.Missing, &pol.NaN, &pol.Inf} {
			v.Action = dataset.Action(d.Uint8())
			v.Value = d.Float64()
		}
		nt := d.count(1, "missing-value tokens")
		if d.Err() == nil && nt > maxTokens {
			d.Failf("%d missing-value tokens, at most %d", nt, maxTokens)
		}
		for range nt {
			if d.Err() != nil {
				break
			}
			pol.MissingTokens = append(pol.MissingTokens, d.str())
		}
		if d.Err() == nil {
			if err := pol.Valid(); err != nil {
				d.Failf("record policy: %v", err)
			}
		}
		p.policy = pol
	}
	if d.Err() == nil && d.Len() != 0 {
		d.Failf("%d bytes after the last step", d.Len())
	}
	if d.Err() == nil && len(p.names) == 0 {
		d.Failf("no output")
	}
	if d.Err() != nil {
		return nil, d.Err()
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

// decoder reads the payload of a pipeline of the given format version.
type decoder struct {
	*bincodec.Reader
	version uint16
}

// bool reads a byte that must be 0 or 1.
func (d *decoder) bool() bool {
	switch d.Uint8() {
	case 0:
		return false
	case 1:
		return true
	}
	d.Failf("bad boolean")
	return false
}

// count reads a uvarint count of items that take at least size bytes each,
// so that a corrupt count cannot make the decoder allocate more than the
// input.
func (d *decoder) count(size int, what string) int {
	return d.Count(d.Uvarint(), size, what)
}

// str reads a uvarint length and that many bytes.
func (d *decoder) str() string {
	return string(d.Bytes(d.count(1, "string bytes")))
}
