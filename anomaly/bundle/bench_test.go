package bundle_test

import (
	"testing"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// BenchmarkScoreRow scores raw KDDTest+ records one at a time through a
// pipeline fitted on the 20 % training file and a 100-tree Isolation Forest
// (ψ = 256) trained on its normal rows; the goal is under 3 µs and 0
// allocations a record.
func BenchmarkScoreRow(b *testing.B) {
	te := nsltest.Load(b, nsltest.Test)
	rows := make([]dataset.Row, 4096)
	for i := range rows {
		te.Row(i, &rows[i])
	}
	for _, c := range []struct {
		name  string
		steps []features.Step
	}{{"reference+iforest100", features.Reference()}, {"standard+iforest100", features.Standard()}, {"telecom+iforest100", features.Telecom()}} {
		b.Run(c.name, func(b *testing.B) {
			p, f := nslIForest(b, c.steps)
			bd, err := bundle.New(p, f, 0.5, bundle.Metadata{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := bd.ScoreRow(&rows[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkExplainRow is ScoreRow plus the top 5 raw columns (Local-DIFFI).
func BenchmarkExplainRow(b *testing.B) {
	te := nsltest.Load(b, nsltest.Test)
	var r dataset.Row
	te.Row(0, &r)
	p, f := nslIForest(b, features.Reference())
	bd, err := bundle.New(p, f, 0.5, bundle.Metadata{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bd.ExplainRow(&r, 5); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScoreRowCategoricalXGBoost scores raw KDDTest+ records one at a
// time through a features.CategoricalCodes pipeline and XGBoost's
// categorical fixture (multi:softprob, 5 classes × 15 trees of depth 5,
// partition splits on protocol_type, service and flag).
func BenchmarkScoreRowCategoricalXGBoost(b *testing.B) {
	bd, _, te := categoricalBundle(b)
	rows := make([]dataset.Row, 4096)
	for i := range rows {
		te.Row(i, &rows[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := bd.ScoreRow(&rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
