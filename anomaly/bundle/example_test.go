package bundle_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

// Example trains an Isolation Forest on benign flows through a pipeline,
// saves pipeline, model, threshold and metadata in one file, loads it and
// scores a raw record as a service receives it.
func Example() {
	ctx := context.Background()
	benign := benignFlows()
	p, _ := features.Fit(ctx, benign,
		features.Select([]string{"src_bytes", "count"}, features.Log1p, features.Standardize),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}))
	x, _ := p.TransformTable(ctx, benign)
	model, _ := iforest.Fit(ctx, x, iforest.Config{Trees: 100, Seed: 1})
	b, err := bundle.New(p, model, 0.6, bundle.Metadata{Name: "flows", Training: "500 benign flows", TrainingRows: 500})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "bundle")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "flows.nwb")
	if err := b.Save(path); err != nil {
		fmt.Println(err)
		return
	}

	loaded, err := bundle.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(loaded.Kind(), loaded.Metadata().Training)
	for _, rec := range []map[string]string{
		{"proto": "tcp", "src_bytes": "420", "count": "3"},
		{"proto": "icmp", "src_bytes": "0", "count": "511"},
	} {
		res, err := loaded.ExplainRecord(rec, 2)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("attack=%v explained=%v\n", res.Attack, len(res.TopFeatures) > 0)
	}
	// Output:
	// isolation_forest 500 benign flows
	// attack=false explained=true
	// attack=true explained=true
}

// ExampleParse shows the decoder's refusals: a damaged byte and a file from
// a newer netwarden.
func ExampleParse() {
	_, err := bundle.Parse([]byte("NWBUNDLE\x02\x00\x00\x00" + string(make([]byte, 40))))
	fmt.Println(err)
	_, err = bundle.Parse([]byte("PK\x03\x04"))
	fmt.Println(err)
	// Output:
	// bundle: format version 2, this build reads up to 1 (upgrade netwarden): netwarden: unsupported format version
	// bundle: not a bundle (no "NWBUNDLE" magic): netwarden: malformed input
}

// ExampleBundle_ExplainRecordTo explains a stream of records into one
// reused buffer: after the first record, no allocation per record.
func ExampleBundle_ExplainRecordTo() {
	b := flowBundle()
	var top []bundle.Contribution // reused for every record
	for _, rec := range []map[string]string{
		{"proto": "tcp", "src_bytes": "420", "count": "3"},
		{"proto": "icmp", "src_bytes": "0", "count": "511"},
		{"proto": "udp", "src_bytes": "2000", "count": "2"},
	} {
		res, err := b.ExplainRecordTo(rec, 1, top)
		if err != nil {
			fmt.Println(err)
			return
		}
		top = res.TopFeatures
		fmt.Printf("attack=%v top=%s\n", res.Attack, top[0].Column)
	}
	// Output:
	// attack=false top=count
	// attack=true top=src_bytes
	// attack=false top=src_bytes
}

// benignFlows returns the examples' 500 benign flows: a protocol, a byte
// count and a connection count.
func benignFlows() *dataset.Table {
	s := dataset.Schema{Columns: []dataset.Column{
		{Name: "proto", Kind: dataset.Categorical},
		{Name: "src_bytes", Kind: dataset.Numeric},
		{Name: "count", Kind: dataset.Numeric},
	}}
	benign := dataset.NewTable(s)
	for i := range 500 {
		_ = benign.Append(&dataset.Row{
			Num:   []float64{0, float64(200 + (i*37)%800), float64(1 + i%5)},
			Cat:   []string{[]string{"tcp", "udp"}[i%2], "", ""},
			Label: "normal",
		})
	}
	return benign
}

// flowBundle returns the bundle of Example, without saving it.
func flowBundle() *bundle.Bundle {
	ctx := context.Background()
	benign := benignFlows()
	p, _ := features.Fit(ctx, benign,
		features.Select([]string{"src_bytes", "count"}, features.Log1p, features.Standardize),
		features.OneHot("proto", features.OneHotConfig{Unknown: features.UnknownOther}))
	x, _ := p.TransformTable(ctx, benign)
	model, _ := iforest.Fit(ctx, x, iforest.Config{Trees: 100, Seed: 1})
	b, _ := bundle.New(p, model, 0.6, bundle.Metadata{Name: "flows"})
	return b
}
