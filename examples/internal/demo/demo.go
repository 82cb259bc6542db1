// Package demo holds what the examples share: the offline demo bundle that
// the serving examples start with when they are given no bundle file, so
// that each runs on a fresh machine without data; the loading of a
// pseudonymisation key from a file or the environment (ApplyKey); and the
// description of a bundle's explanations (ExplanationOf).
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// Bundle trains an Isolation Forest on the benign rows of seeded synthetic
// NSL-KDD-schema traffic (not NSL-KDD) and calibrates its threshold to a 1 %
// false-alarm budget on held-out benign rows. rows is the size of the
// synthetic training table; by names the program, for the bundle's notes.
func Bundle(ctx context.Context, rows int, seed uint64, by string) (*bundle.Bundle, error) {
	train, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: rows, Seed: seed})
	if err != nil {
		return nil, err
	}
	pipe, err := features.Fit(ctx, train, features.Standard()...)
	if err != nil {
		return nil, err
	}
	// A seeded fifth of the benign rows is held out to set the threshold
	// on rows the forest never saw.
	var fitIdx, calIdx []int
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for i := 0; i < train.Len(); i++ {
		if train.Category(i) != dataset.Normal {
			continue
		}
		if rng.Float64() < 0.2 {
			calIdx = append(calIdx, i)
		} else {
			fitIdx = append(fitIdx, i)
		}
	}
	xfit, err := pipe.TransformTable(ctx, train.Subset(fitIdx))
	if err != nil {
		return nil, err
	}
	xcal, err := pipe.TransformTable(ctx, train.Subset(calIdx))
	if err != nil {
		return nil, err
	}
	f, err := iforest.Fit(ctx, xfit, iforest.Config{Seed: seed, FeatureNames: pipe.Names()})
	if err != nil {
		return nil, err
	}
	cal := make([]float64, len(calIdx))
	if err := anomaly.ScoreBatch(ctx, f, xcal, cal, 0); err != nil {
		return nil, err
	}
	const budget = 0.01
	t, err := anomaly.FPRThreshold(cal, budget)
	if err != nil {
		return nil, err
	}
	return bundle.New(pipe, f, t, bundle.Metadata{
		Name:         "demo-iforest",
		Training:     fmt.Sprintf("synthetic NSL-KDD-schema traffic (not NSL-KDD), %d rows, seed %d", rows, seed),
		TrainingRows: len(fitIdx),
		Metrics:      map[string]float64{"budget": budget},
		Notes:        "demo bundle built by " + by + " -train-demo: Isolation Forest on benign synthetic rows, threshold at a 1% false-alarm budget on held-out benign rows",
	})
}
