package demo

import (
	"context"
	"math/rand/v2"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// Calibrated is an Isolation Forest and the alert threshold calibrated on
// training rows it was not fitted on.
type Calibrated struct {
	Forest    *iforest.Forest
	Threshold anomaly.Threshold
	// Fit and Cal are the row indices of train the forest was fitted on
	// and the threshold calibrated on.
	Fit, Cal []int
}

// FitCalibrated splits the rows of train that keep accepts (all when nil)
// at random (rng, one draw per row in order) into a calibration share of
// about calFrac and the rest, fits an Isolation Forest (cfg, with the
// pipeline's feature names) on the rest transformed by pipe, and sets the
// threshold that holds the false alarms on the calibration rows within
// budget (anomaly.FPRThreshold).
func FitCalibrated(ctx context.Context, pipe *features.Pipeline, train *dataset.Table, keep func(i int) bool,
	rng *rand.Rand, calFrac, budget float64, cfg iforest.Config) (*Calibrated, error) {
	c := &Calibrated{}
	for i := 0; i < train.Len(); i++ {
		if keep != nil && !keep(i) {
			continue
		}
		if rng.Float64() < calFrac {
			c.Cal = append(c.Cal, i)
		} else {
			c.Fit = append(c.Fit, i)
		}
	}
	xfit, err := pipe.TransformTable(ctx, train.Subset(c.Fit))
	if err != nil {
		return nil, err
	}
	xcal, err := pipe.TransformTable(ctx, train.Subset(c.Cal))
	if err != nil {
		return nil, err
	}
	cfg.FeatureNames = pipe.Names()
	if c.Forest, err = iforest.Fit(ctx, xfit, cfg); err != nil {
		return nil, err
	}
	cal := make([]float64, len(c.Cal))
	if err := anomaly.ScoreBatch(ctx, c.Forest, xcal, cal, 0); err != nil {
		return nil, err
	}
	if c.Threshold, err = anomaly.FPRThreshold(cal, budget); err != nil {
		return nil, err
	}
	return c, nil
}
