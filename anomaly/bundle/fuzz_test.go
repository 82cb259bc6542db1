package bundle_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
)

// tinyBundles returns small valid bundles of each kind that needs no fixture
// file: the fuzz seeds.
func tinyBundles(tb testing.TB) [][]byte {
	tab := synth(tb, 60)
	p, err := features.Fit(context.Background(), tab,
		features.Select([]string{"src_bytes", "count"}, features.Log1p),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}))
	if err != nil {
		tb.Fatal(err)
	}
	x, err := p.TransformTable(context.Background(), tab)
	if err != nil {
		tb.Fatal(err)
	}
	ifo, err := iforest.Fit(context.Background(), x, iforest.Config{Trees: 2, SampleSize: 8, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	rf, err := forest.Fit(context.Background(), x, labels(tab), forest.Config{Trees: 2, MaxDepth: 3, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := anomaly.NewHybrid(rf, ifo, anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.6, ClassifierScale: 0.1, NoveltyScale: 0.1})
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, d := range []anomaly.Detector{ifo, rf, h} {
		b, err := bundle.New(p, d, 0.5, bundle.Metadata{Name: "seed"})
		if err != nil {
			tb.Fatal(err)
		}
		data, err := b.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	// A pipeline with a Codes step (features format version 2), as a model
	// trained on category codes needs.
	pc, err := features.Fit(context.Background(), tab,
		features.Numeric("src_bytes").KeepNaN(), features.Codes("proto", map[string]int{"icmp": 0, "tcp": 1, "udp": 2}))
	if err != nil {
		tb.Fatal(err)
	}
	xc, err := pc.TransformTable(context.Background(), tab)
	if err != nil {
		tb.Fatal(err)
	}
	rfc, err := forest.Fit(context.Background(), xc, labels(tab), forest.Config{Trees: 2, MaxDepth: 3, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := bundle.New(pc, rfc, 0.5, bundle.Metadata{Name: "seed"})
	if err != nil {
		tb.Fatal(err)
	}
	data, err := b.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, data)
}

// FuzzParse feeds arbitrary bytes to the bundle decoder: it must return an
// error or a bundle that scores a row of its schema, never panic. Each input
// is also tried with a fresh SHA-256, so that mutations reach the payload
// decoders behind the checksum. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, b := range tinyBundles(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parse(t, data)
		if len(data) >= 44 {
			c := bytes.Clone(data)
			sum := sha256.Sum256(c[:len(c)-32])
			copy(c[len(c)-32:], sum[:])
			parse(t, c)
		}
	})
}

func parse(t *testing.T, data []byte) {
	b, err := bundle.Parse(data)
	if err != nil {
		return
	}
	s := b.Pipeline().Schema()
	r := dataset.Row{Num: make([]float64, s.Len()), Cat: make([]string, s.Len())}
	for i := range r.Cat {
		r.Cat[i] = "tcp"
	}
	_, _ = b.ScoreRow(&r)
	_, _ = b.ExplainRow(&r, 3)
	again, err := b.MarshalBinary()
	if err != nil {
		t.Fatalf("decoded bundle does not encode: %v", err)
	}
	if _, err := bundle.Parse(again); err != nil {
		t.Fatalf("re-encoded bundle does not decode: %v", err)
	}
}
