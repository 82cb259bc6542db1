package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// FlowColumns are the columns of FlowBundle's records: a source address
// (pseudonymised by the pipeline), a protocol, bytes and packets.
var FlowColumns = []string{"src_ip", "protocol", "bytes", "packets"}

// FlowCSV returns rows seeded synthetic flow records as CSV with a header
// (FlowColumns and "label"): benign flows from a few hundred addresses of
// 10.1.0.0/16, and with attacks true a tenth of "neptune" floods of tiny
// packets from other addresses.
func FlowCSV(rows int, seed uint64, attacks bool) string {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var b strings.Builder
	b.WriteString(strings.Join(FlowColumns, ",") + ",label\n")
	protos := []string{"tcp", "udp", "icmp"}
	for range rows {
		if attacks && rng.IntN(10) == 0 {
			fmt.Fprintf(&b, "192.0.2.%d,tcp,%d,%d,neptune\n", rng.IntN(250), rng.IntN(60), 1+rng.IntN(2))
			continue
		}
		pk := 2 + rng.IntN(200)
		fmt.Fprintf(&b, "10.1.%d.%d,%s,%d,%d,normal\n", rng.IntN(4), rng.IntN(100), protos[rng.IntN(3)], pk*(200+rng.IntN(1200)), pk)
	}
	return b.String()
}

// FlowBundle trains an Isolation Forest on FlowCSV's benign records, with
// the source address pseudonymised by key (features.Pseudonymize): the
// bundle it returns holds no key, so that a program serving it must be
// given the key again (ApplyKey). The threshold sits at a 1 % false-alarm
// rate on the training rows.
func FlowBundle(ctx context.Context, key []byte, rows int, seed uint64) (*bundle.Bundle, error) {
	t, err := dataset.ReadCSV(strings.NewReader(FlowCSV(rows, seed, false)), "flows.csv", dataset.CSVConfig{
		Label: "label", Categorical: []string{"src_ip", "protocol"},
	})
	if err != nil {
		return nil, err
	}
	pipe, err := features.Fit(ctx, t,
		features.Pseudonymize("src_ip", features.PseudonymConfig{Key: key, Buckets: 8}),
		features.OneHot("protocol", features.OneHotConfig{}),
		features.Numeric("bytes", features.Log1p),
		features.Numeric("packets", features.Log1p))
	if err != nil {
		return nil, err
	}
	x, err := pipe.TransformTable(ctx, t)
	if err != nil {
		return nil, err
	}
	f, err := iforest.Fit(ctx, x, iforest.Config{Seed: seed, FeatureNames: pipe.Names()})
	if err != nil {
		return nil, err
	}
	return calibrated(ctx, pipe, f, x, rows, seed)
}

// calibrated bundles f with the threshold at a 1 % false-alarm rate on x.
func calibrated(ctx context.Context, pipe *features.Pipeline, f *iforest.Forest, x *mat.Dense, rows int, seed uint64) (*bundle.Bundle, error) {
	n, _ := x.Dims()
	scores := make([]float64, n)
	if err := anomaly.ScoreBatch(ctx, f, x, scores, 0); err != nil {
		return nil, err
	}
	t, err := anomaly.FPRThreshold(scores, 0.01)
	if err != nil {
		return nil, err
	}
	return bundle.New(pipe, f, t, bundle.Metadata{
		Name:         "demo-flows-pseudonymised",
		Training:     fmt.Sprintf("synthetic flow records (not real traffic), %d rows, seed %d", rows, seed),
		TrainingRows: n,
		Notes:        "demo bundle whose pipeline pseudonymises src_ip: serve it with the key in -key-file or " + KeyEnv,
	})
}
