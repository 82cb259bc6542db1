package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// DemoBundle trains an extended Isolation Forest (Hariri et al. 2021,
// extension level 1) on the features set computes
// ("kdd" or "cic") of the flows metered from a benign synthetic capture and
// sets its threshold at a 1 % false-alarm budget on a held-out fifth of
// those flows.
func DemoBundle(ctx context.Context, seed uint64, setName string) (*bundle.Bundle, error) {
	c := flow.Synthesize(flow.SynthConfig{Seed: seed, Sessions: 3000, SYNFlood: -1, PortScan: -1, UDPFlood: -1, UEs: 60, AttackPackets: -1})
	var set flow.FeatureSet
	steps := []features.Step{features.Drop(nil, features.Standardize)}
	switch setName {
	case "cic":
		set = flow.CIC{}
	case "kdd":
		set = flow.NewKDD()
		steps = features.Standard()
	default:
		return nil, fmt.Errorf("pcap: unknown feature set %q (kdd or cic)", setName)
	}
	t := dataset.NewTable(set.Schema())
	var row dataset.Row
	var rowErr error
	m := flow.NewMeter(flow.Config{CIC: true}, func(f *flow.Flow) {
		if rowErr != nil {
			return
		}
		if rowErr = set.Row(f, &row); rowErr == nil {
			row.Label, row.Category = "normal", dataset.Normal
			rowErr = t.Append(&row)
		}
	})
	c.Meter(m)
	if rowErr != nil {
		return nil, rowErr
	}
	pipe, err := features.Fit(ctx, t, steps...)
	if err != nil {
		return nil, err
	}
	var fitIdx, calIdx []int
	rng := rand.New(rand.NewPCG(seed, 0x70636170))
	for i := range t.Len() {
		if rng.Float64() < 0.2 {
			calIdx = append(calIdx, i)
		} else {
			fitIdx = append(fitIdx, i)
		}
	}
	xfit, err := pipe.TransformTable(ctx, t.Subset(fitIdx))
	if err != nil {
		return nil, err
	}
	xcal, err := pipe.TransformTable(ctx, t.Subset(calIdx))
	if err != nil {
		return nil, err
	}
	f, err := iforest.Fit(ctx, xfit, iforest.Config{Seed: seed, ExtensionLevel: 1, FeatureNames: pipe.Names()})
	if err != nil {
		return nil, err
	}
	cal := make([]float64, len(calIdx))
	if err := anomaly.ScoreBatch(ctx, f, xcal, cal, 0); err != nil {
		return nil, err
	}
	th, err := anomaly.FPRThreshold(cal, 0.01)
	if err != nil {
		return nil, err
	}
	return bundle.New(pipe, f, th, bundle.Metadata{
		Name:         "demo-pcap-iforest",
		Training:     fmt.Sprintf("%s features of %d flows metered from a benign synthetic capture, seed %d", setName, t.Len(), seed),
		TrainingRows: len(fitIdx),
		Notes:        "demo bundle built by examples/pcap: Isolation Forest on benign synthetic flows, threshold at a 1% false-alarm budget on held-out flows",
	})
}

// alert is one output line.
type alert struct {
	Seq     uint64                `json:"seq"`
	Start   time.Time             `json:"start"`
	Proto   string                `json:"proto"`
	Src     string                `json:"src"`
	Sport   uint16                `json:"sport"`
	Dst     string                `json:"dst"`
	Dport   uint16                `json:"dport"`
	Tunnel  *tunnel               `json:"tunnel,omitempty"`
	Packets uint64                `json:"packets"`
	Bytes   uint64                `json:"bytes"`
	End     string                `json:"end"`
	Score   float64               `json:"score"`
	Attack  bool                  `json:"attack"`
	Top     []bundle.Contribution `json:"top_features,omitempty"`
	Label   string                `json:"label,omitempty"`
}

type tunnel struct {
	Kind        string `json:"kind"`
	OuterSrc    string `json:"outer_src"`
	OuterDst    string `json:"outer_dst"`
	TEID        uint32 `json:"teid,omitempty"`
	ReverseTEID uint32 `json:"reverse_teid,omitempty"`
	QFI         *uint8 `json:"qfi,omitempty"`
	VNI         uint32 `json:"vni,omitempty"`
}

// summary is the stderr line at the end.
type summary struct {
	Input    string             `json:"input"`
	Features string             `json:"features"`
	Frames   int64              `json:"frames"`
	Flows    int64              `json:"flows"`
	Alerts   int64              `json:"alerts"`
	Skipped  map[string]int64   `json:"skipped,omitempty"`
	Evicted  int64              `json:"evicted"`
	Detected map[string]float64 `json:"detection_rate,omitempty"`
	FPR      *float64           `json:"false_alarm_rate,omitempty"`
	Error    string             `json:"error,omitempty"`
}

type scorer struct {
	b      *bundle.Bundle
	set    flow.FeatureSet
	cfg    flow.Config
	enc    *json.Encoder
	top    int
	all    bool
	row    dataset.Row
	contr  []bundle.Contribution
	input  string
	meter  *flow.Meter
	alerts int64
	err    error
	label  func(*flow.Record) string
	byLab  map[string][2]int64 // flows, alerts
}

func newScorer(b *bundle.Bundle, out io.Writer, top int, all bool) (*scorer, error) {
	s := &scorer{b: b, enc: json.NewEncoder(out), top: top, all: all, byLab: map[string][2]int64{}}
	sch := b.Pipeline().Schema()
	cic, kdd := flow.CIC{}.Schema(), dataset.NSLKDDSchema()
	rec := flow.RecordSet{}.Schema()
	switch {
	case sch.Equal(&cic):
		s.set, s.cfg = flow.CIC{}, flow.Config{CIC: true}
	case sch.Equal(&kdd):
		s.set = flow.NewKDD()
	case sch.Equal(&rec):
		s.set = flow.RecordSet{}
	default:
		return nil, errors.New("pcap: the bundle's schema is not CIC's, NSL-KDD's or the flow record's: it cannot score metered flows")
	}
	s.meter = flow.NewMeter(s.cfg, s.emit)
	return s, nil
}

func (s *scorer) emit(f *flow.Flow) {
	if s.err != nil {
		return
	}
	if err := s.set.Row(f, &s.row); err != nil {
		s.err = err
		return
	}
	var res bundle.Result
	var err error
	if s.top > 0 {
		res, err = s.b.ExplainRowTo(&s.row, s.top, s.contr[:0])
		if errors.Is(err, anomaly.ErrNoExplanation) {
			res, err = s.b.ScoreRow(&s.row)
		}
	} else {
		res, err = s.b.ScoreRow(&s.row)
	}
	if err != nil {
		s.err = fmt.Errorf("pcap: flow %d: %w", f.Record.Seq, err)
		return
	}
	r := &f.Record
	label := ""
	if s.label != nil {
		label = s.label(r)
		c := s.byLab[label]
		c[0]++
		if res.Attack {
			c[1]++
		}
		s.byLab[label] = c
	}
	if res.Attack {
		s.alerts++
	}
	if !res.Attack && !s.all {
		return
	}
	a := alert{Seq: r.Seq, Start: r.Start, Proto: flow.RecordColumnsProto(r.Key.Proto), Src: r.Key.Src.String(), Sport: r.Key.SrcPort,
		Dst: r.Key.Dst.String(), Dport: r.Key.DstPort, Packets: r.Packets(), Bytes: r.Bytes(), End: r.Reason.String(),
		Score: res.Score, Attack: res.Attack, Top: res.TopFeatures, Label: label}
	if r.Tunnel.Kind != packet.TunnelNone {
		a.Tunnel = &tunnel{Kind: r.Tunnel.Kind.String(), OuterSrc: r.Tunnel.OuterSrc.String(), OuterDst: r.Tunnel.OuterDst.String(),
			TEID: r.Tunnel.TEID, ReverseTEID: r.Tunnel.ReverseTEID, VNI: r.Tunnel.VNI}
		if r.Tunnel.HasQFI {
			q := r.Tunnel.QFI
			a.Tunnel.QFI = &q
		}
	}
	if err := s.enc.Encode(&a); err != nil {
		s.err = err
	}
}

func (s *scorer) file(path string) error {
	s.input = path
	r, err := packet.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := s.meter.ReadFrom(r); err != nil {
		return err
	}
	return s.err
}

func (s *scorer) synthetic(seed uint64) {
	s.input = "synthetic capture (not real traffic)"
	c := flow.Synthesize(flow.SynthConfig{Seed: seed})
	s.label = c.Label
	c.Meter(s.meter)
}

func (s *scorer) summary() *summary {
	st := s.meter.Stats()
	sum := &summary{Input: s.input, Frames: st.Frames, Flows: st.Flows, Alerts: s.alerts, Evicted: st.Evicted}
	switch s.set.(type) {
	case flow.CIC:
		sum.Features = "cic"
	case *flow.KDD:
		sum.Features = "kdd"
	default:
		sum.Features = "record"
	}
	for r, n := range st.Skipped {
		if n > 0 {
			if sum.Skipped == nil {
				sum.Skipped = map[string]int64{}
			}
			sum.Skipped[packet.Reason(r).String()] = n
		}
	}
	if s.label != nil {
		sum.Detected = map[string]float64{}
		for l, c := range s.byLab {
			if l == flow.LabelNormal {
				f := float64(c[1]) / float64(max(c[0], 1))
				sum.FPR = &f
				continue
			}
			sum.Detected[l] = float64(c[1]) / float64(max(c[0], 1))
		}
	}
	if s.err != nil {
		sum.Error = s.err.Error()
	}
	return sum
}
