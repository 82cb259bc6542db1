package features_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// FuzzUnmarshalBinary feeds arbitrary bytes to the pipeline decoder: it must
// return an error or a pipeline that transforms a row of its schema, and never
// panic, allocating at most decodeAllocRatio times its input plus
// decodeAllocConst.
// The seeds (testdata/fuzz/FuzzUnmarshalBinary) are valid pipelines of
// every step kind (a Codes step in a version 2 file) and damaged copies of
// them.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, steps := range [][]features.Step{
		features.Reference()[:1],
		{features.Drop(nil, features.Log1p, features.Robust), features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther, MinCount: 2})},
		{features.Ratio("bytes", "back", 1, features.Log, features.MinMax), features.Mean("m", []string{"bytes", "rate"}, features.Standardize).KeepNaN()},
		{features.OneHot("proto", features.OneHotConfig{Map: map[string]string{"tcp": "stream"}}).As("c"), features.Pseudonymize("ip", features.PseudonymConfig{Key: key, Buckets: 3})},
		{features.Numeric("bytes").KeepNaN(), features.Codes("proto", map[string]int{"icmp": 0, "tcp": 1, "udp": features.MaxCode}), features.Codes("ip", map[string]int{"10.0.0.1": 7}).As("addr")},
	} {
		p, err := features.Fit(context.Background(), train(f), steps...)
		if err != nil {
			f.Fatal(err)
		}
		b, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A version 3 pipeline: one that keeps a record policy.
	tab := train(f)
	tab.SetPolicy(dataset.RecordPolicy{Missing: dataset.ValuePolicy{Action: dataset.Replace, Value: -1},
		Inf: dataset.ValuePolicy{Action: dataset.AsNaN}, MissingTokens: []string{"NA", "null"}})
	p, err := features.Fit(context.Background(), tab, features.AllNumeric().KeepNaN(), features.OneHot("proto", features.OneHotConfig{}))
	if err != nil {
		f.Fatal(err)
	}
	b, err := p.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		check(t, b)
		// Reseal the bytes with a fresh checksum so that mutations reach the
		// payload decoder instead of stopping at the CRC.
		if len(b) >= 10 {
			c := bytes.Clone(b)
			binary.LittleEndian.PutUint32(c[len(c)-4:], crc32.ChecksumIEEE(c[:len(c)-4]))
			check(t, c)
		}
	})
}

func check(t *testing.T, b []byte) {
	var p features.Pipeline
	var err error
	got := allocated(func() { err = p.UnmarshalBinary(b) })
	if !raceEnabled && got > uint64(decodeAllocRatio*len(b)+decodeAllocConst) {
		t.Fatalf("UnmarshalBinary allocated %d bytes for %d bytes of input", got, len(b))
	}
	if err != nil {
		return
	}
	if p.NeedsKey() {
		_ = p.SetKey(key)
	}
	s := p.Schema()
	r := dataset.Row{Num: make([]float64, s.Len()), Cat: make([]string, s.Len())}
	for i := range r.Cat {
		r.Cat[i] = "tcp"
	}
	dst := make([]float64, p.NumFeatures())
	_ = p.TransformRow(&r, dst)
	again, err := p.MarshalBinary()
	if err != nil {
		t.Fatalf("decoded pipeline does not encode: %v", err)
	}
	var q features.Pipeline
	if err := q.UnmarshalBinary(again); err != nil {
		t.Fatalf("re-encoded pipeline does not decode: %v", err)
	}
	_ = p.Describe()
}
