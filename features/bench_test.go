package features_test

import (
	"context"
	"slices"
	"testing"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// BenchmarkTransformRow transforms the rows of KDDTest+ one at a time
// through each preset fitted on the 20 % training file, and through
// CategoricalCodes (the raw columns, categories as codes) (0 allocs a row).
func BenchmarkTransformRow(b *testing.B) {
	tr, te := nsltest.Load(b, nsltest.Train20), nsltest.Load(b, nsltest.Test)
	rows := make([]dataset.Row, 1000)
	for i := range rows {
		te.Row(i, &rows[i])
	}
	// Codes of the categories sorted, as pandas' Categorical gives them.
	codes := map[string]map[string]int{}
	for _, c := range []string{"protocol_type", "service", "flag"} {
		schema := tr.Schema()
		_, levels := tr.Codes(schema.Index(c))
		levels = slices.Sorted(slices.Values(levels))
		codes[c] = map[string]int{}
		for k, l := range levels {
			codes[c][l] = k
		}
	}
	catSteps, err := features.CategoricalCodes(tr.Schema(), codes)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		steps []features.Step
	}{{"reference", features.Reference()}, {"standard", features.Standard()}, {"telecom", features.Telecom()}, {"categorical_codes", catSteps}} {
		b.Run(c.name, func(b *testing.B) {
			p, err := features.Fit(context.Background(), tr, c.steps...)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]float64, p.NumFeatures())
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := p.TransformRow(&rows[i%len(rows)], dst); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkTransformTable transforms all of KDDTest+ (22,544 rows) at once.
func BenchmarkTransformTable(b *testing.B) {
	tr, te := nsltest.Load(b, nsltest.Train20), nsltest.Load(b, nsltest.Test)
	p, err := features.Fit(context.Background(), tr, features.Telecom()...)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.TransformTable(context.Background(), te); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*te.Len())/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFit fits the Telecom preset on the 20 % training file.
func BenchmarkFit(b *testing.B) {
	tr := nsltest.Load(b, nsltest.Train20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := features.Fit(context.Background(), tr, features.Telecom()...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*tr.Len())/b.Elapsed().Seconds(), "rows/s")
}
