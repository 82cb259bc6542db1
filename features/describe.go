package features

import (
	"encoding/hex"
	"encoding/json"

	"github.com/netwarden/netwarden/dataset"
)

// Description is a readable account of a fitted Pipeline, for people and
// audit logs: what each output is, where it comes from and the fitted
// parameters. It is what Pipeline.MarshalJSON writes; it is not a format to
// load pipelines from (use MarshalBinary).
type Description struct {
	Version  int               `json:"version"`
	Schema   []dataset.Column  `json:"schema"`
	Features int               `json:"features"`
	Steps    []StepDescription `json:"steps"`
}

// StepDescription describes one fitted step.
type StepDescription struct {
	Kind    string            `json:"kind"`
	Columns []string          `json:"columns"`
	Offset  int               `json:"offset"`
	Outputs []string          `json:"outputs"`
	Ops     []OpDescription   `json:"ops,omitempty"`
	NaN     bool              `json:"nan,omitempty"`
	Smooth  float64           `json:"smoothing,omitempty"`
	Unknown string            `json:"unknown,omitempty"`
	Levels  map[string]int    `json:"levels,omitempty"`
	Map     map[string]string `json:"map,omitempty"`
	Default string            `json:"default,omitempty"`
	KeyID   string            `json:"key_id,omitempty"`
	Codes   map[string]int    `json:"codes,omitempty"`
}

// OpDescription describes one fitted Op: y = (x - Center) / Scale for the
// affine Ops.
type OpDescription struct {
	Op     string  `json:"op"`
	Center float64 `json:"center,omitempty"`
	Scale  float64 `json:"scale,omitempty"`
}

// Describe returns the pipeline's Description.
func (p *Pipeline) Describe() Description {
	d := Description{Version: int(p.version()), Schema: p.Schema().Columns, Features: len(p.names)}
	for i := range p.steps {
		f := &p.steps[i]
		s := StepDescription{Kind: f.kind.String(), Columns: f.srcNames, Offset: f.off, Outputs: f.names, NaN: f.nan, Smooth: f.smooth}
		for _, o := range f.ops {
			od := OpDescription{Op: o.op.String()}
			if o.op.affine() {
				od.Center, od.Scale = o.center, o.scale
			}
			s.Ops = append(s.Ops, od)
		}
		switch f.kind {
		case KindOneHot:
			s.Unknown = f.unknown.String()
			s.Levels = map[string]int{}
			for i, k := range f.index.levels {
				s.Levels[k] = int(f.index.out[i])
			}
			s.Map, s.Default = f.mapping, f.mapDef
		case KindCodes:
			s.Codes = make(map[string]int, len(f.codes))
			for k, v := range f.codes {
				s.Codes[k] = int(v)
			}
		case KindPseudonymize:
			s.KeyID = hex.EncodeToString(f.keyID[:])
		}
		d.Steps = append(d.Steps, s)
	}
	return d
}

// MarshalJSON writes the pipeline's Description as JSON.
func (p *Pipeline) MarshalJSON() ([]byte, error) { return json.Marshal(p.Describe()) }
