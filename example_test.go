package netwarden_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// flowCSV makes a small CICFlowMeter-style export: benign flows, then a
// burst of port-scan-like flows from one source.
func flowCSV() string {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("Flow ID, Src IP, Protocol, Flow Duration, Total Fwd Packets, Flow Bytes/s, Label\n")
	for i := 0; i < 400; i++ {
		bytes := fmt.Sprint(1000 + rng.IntN(5000))
		if i%50 == 0 {
			bytes = "Infinity" // zero-duration flows: CICFlowMeter writes Infinity
		}
		fmt.Fprintf(&b, "f%d, 10.0.%d.%d, TCP, %d, %d, %s, BENIGN\n",
			i, rng.IntN(4), rng.IntN(250), 20000+rng.IntN(90000), 5+rng.IntN(20), bytes)
	}
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "s%d, 192.0.2.66, UDP, %d, 1, 0, PortScan\n", i, 10+rng.IntN(20))
	}
	return b.String()
}

// This example is the whole path a service takes: load a flow export with a
// schema (no parser to write), pseudonymise the source address, encode,
// train an Isolation Forest on the benign flows, set the threshold from a
// false-alarm budget, save everything in one bundle, load it and score a
// raw record with the columns behind its score.
func Example() {
	ctx := context.Background()
	flows, err := dataset.ReadCSV(strings.NewReader(flowCSV()), "flows.csv", dataset.CSVConfig{
		Label:       "Label",
		Categorical: []string{"Src IP", "Protocol"},
		Ignore:      []string{"Flow ID"},
		Inf:         dataset.ValuePolicy{Action: dataset.Replace, Value: 1e9},
		Categories:  map[string]dataset.Category{"BENIGN": dataset.Normal, "PortScan": dataset.Probe},
	})
	if err != nil {
		log.Fatal(err)
	}
	key := []byte("a 32-byte secret from your vault")
	pipe, err := features.Fit(ctx, flows,
		features.Pseudonymize("Src IP", features.PseudonymConfig{Key: key}), // no raw IP reaches the model
		features.OneHot("Protocol", features.OneHotConfig{}),
		features.Numeric("Flow Duration", features.Log1p),
		features.Numeric("Total Fwd Packets", features.Log1p),
		features.Numeric("Flow Bytes/s", features.Log1p),
	)
	if err != nil {
		log.Fatal(err)
	}
	benign := flows.Filter(func(i int) bool { return flows.Category(i) == dataset.Normal })
	x, err := pipe.TransformTable(ctx, benign)
	if err != nil {
		log.Fatal(err)
	}
	model, err := iforest.Fit(ctx, x, iforest.Config{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	scores := make([]float64, benign.Len())
	if err := anomaly.ScoreBatch(ctx, model, x, scores, 0); err != nil {
		log.Fatal(err)
	}
	// In production, calibrate on benign flows the model did not see.
	threshold, err := anomaly.FPRThreshold(scores, 0.01)
	if err != nil {
		log.Fatal(err)
	}
	b, err := bundle.New(pipe, model, threshold, bundle.Metadata{Name: "flows-iforest"})
	if err != nil {
		log.Fatal(err)
	}
	file, err := b.MarshalBinary()
	if err != nil {
		log.Fatal(err)
	}

	// In the service: load the file, give back the key, score raw records.
	loaded, err := bundle.Parse(file)
	if err != nil {
		log.Fatal(err)
	}
	if err := loaded.SetKey(key); err != nil {
		log.Fatal(err)
	}
	res, err := loaded.ExplainRecord(map[string]string{
		"Src IP": "192.0.2.66", "Protocol": "UDP", "Flow Duration": "12",
		"Total Fwd Packets": "1", "Flow Bytes/s": "0",
	}, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("attack=%v\n", res.Attack)
	for _, c := range res.TopFeatures {
		fmt.Printf("%s pushed towards attack: %v\n", c.Column, c.Value > 0)
	}
	// Output:
	// attack=true
	// Src IP pushed towards attack: true
	// Flow Duration pushed towards attack: true
}
