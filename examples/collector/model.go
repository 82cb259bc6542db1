package main

import (
	"context"
	"fmt"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flowrec"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// demoBundle trains an Isolation Forest on seeded synthetic benign flow
// records in the flow-record schema (flowrec.Schema) and sets its
// threshold for a 1 % false-alarm budget on held-out benign records.
func demoBundle(ctx context.Context, rows int, seed uint64) (*bundle.Bundle, error) {
	flows, _ := synthFlows(rows, seed, false, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fit := dataset.NewTable(flowrec.Schema())
	cal := dataset.NewTable(flowrec.Schema())
	var row dataset.Row
	for i := range flows {
		flowrec.FillRow(&row, &flows[i])
		row.Label, row.Category = "normal", dataset.Normal
		t := fit
		if i%5 == 0 {
			t = cal
		}
		if err := t.Append(&row); err != nil {
			return nil, err
		}
	}
	pipe, err := features.Fit(ctx, fit, features.Drop(nil, features.Log1p, features.Standardize))
	if err != nil {
		return nil, err
	}
	xfit, err := pipe.TransformTable(ctx, fit)
	if err != nil {
		return nil, err
	}
	xcal, err := pipe.TransformTable(ctx, cal)
	if err != nil {
		return nil, err
	}
	f, err := iforest.Fit(ctx, xfit, iforest.Config{Seed: seed, FeatureNames: pipe.Names()})
	if err != nil {
		return nil, err
	}
	scores := make([]float64, cal.Len())
	if err := anomaly.ScoreBatch(ctx, f, xcal, scores, 0); err != nil {
		return nil, err
	}
	const budget = 0.01
	th, err := anomaly.FPRThreshold(scores, budget)
	if err != nil {
		return nil, err
	}
	return bundle.New(pipe, f, th, bundle.Metadata{
		Name:         "demo-flowrec-iforest",
		Training:     fmt.Sprintf("synthetic benign flow records (not real traffic), %d rows, seed %d", rows, seed),
		TrainingRows: fit.Len(),
		Metrics:      map[string]float64{"budget": budget},
		Notes:        "demo bundle built by examples/collector: Isolation Forest on flowrec.Schema rows, threshold at a 1% false-alarm budget on held-out benign rows",
	})
}
