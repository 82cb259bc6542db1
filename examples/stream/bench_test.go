package main

import (
	"context"
	"testing"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
)

// BenchmarkAlertCost measures what an alert costs the stream with each
// model: scoring a row alone (what every record pays), and scoring plus
// explaining it (what an alert pays, -top 3). It backs the documentation's
// claim that explaining costs more than scoring, most of all for a Random
// Forest of 100 unpruned trees.
func BenchmarkAlertCost(b *testing.B) {
	ctx := context.Background()
	train, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 20000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	if err != nil {
		b.Fatal(err)
	}
	x, err := pipe.TransformTable(ctx, train)
	if err != nil {
		b.Fatal(err)
	}
	y := make([]int, train.Len())
	for i := range y {
		if train.IsAttack(i) {
			y[i] = 1
		}
	}
	rf, err := forest.Fit(ctx, x, y, forest.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	rfb, err := bundle.New(pipe, rf, 0.5, bundle.Metadata{Name: "rf"})
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	testBundle(t)
	ifb, err := bundle.Load(demoPath)
	if err != nil {
		b.Fatal(err)
	}
	test, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 1000, Seed: 2, Attacks: dataset.SyntheticAttacks()})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]dataset.Row, test.Len())
	for i := range rows {
		test.Row(i, &rows[i])
	}
	for _, m := range []struct {
		name string
		b    *bundle.Bundle
	}{{"isolation_forest", ifb}, {"random_forest", rfb}} {
		b.Run(m.name+"/score", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.b.ScoreRow(&rows[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(m.name+"/score+explain", func(b *testing.B) {
			b.ReportAllocs()
			var dst []bundle.Contribution
			i := 0
			for b.Loop() {
				res, err := m.b.ExplainRowTo(&rows[i%len(rows)], 3, dst)
				if err != nil {
					b.Fatal(err)
				}
				dst = res.TopFeatures
				i++
			}
		})
	}
}
