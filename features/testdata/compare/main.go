// Command compare measures what the Telecom preset does to Random Forest,
// Isolation Forest and XGBoost against plain one-hot + scaling (the Standard
// preset) on NSL-KDD: it fits each pipeline on a training file, trains the
// Go models over several seeds, scores KDDTest+ and KDDTest-21, and writes
// the encoded matrices (raw little-endian float64, row major, with
// shape.json) for ../xgb_compare.py, which trains XGBoost on them.
//
// Run from the repository root:
//
//	go run ./features/testdata/compare -data $NSLKDD_DIR -train KDDTrain+_20Percent.txt -out /tmp/nw-compare
//	/usr/bin/python3 features/testdata/xgb_compare.py /tmp/nw-compare
//
// The presets are not tuned here: this program only measures them.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
)

func main() {
	data := flag.String("data", os.Getenv("NSLKDD_DIR"), "folder of the NSL-KDD files")
	train := flag.String("train", "KDDTrain+_20Percent.txt", "training file")
	out := flag.String("out", "", "folder for the encoded matrices (none if empty)")
	seeds := flag.Int("seeds", 5, "seeds 0..n-1 for the Go models")
	flag.Parse()
	ctx := context.Background()
	load := func(name string) *dataset.Table {
		t, err := dataset.LoadNSLKDD(filepath.Join(*data, name))
		if err != nil {
			log.Fatal(err)
		}
		return t
	}
	tr := load(*train)
	tests := []struct {
		name string
		t    *dataset.Table
	}{{"KDDTest+", load("KDDTest+.txt")}, {"KDDTest-21", load("KDDTest-21.txt")}}
	res := map[string]any{"train": *train, "seeds": *seeds}
	for _, enc := range []struct {
		name  string
		steps []features.Step
	}{{"standard", features.Standard()}, {"telecom", features.Telecom()}} {
		p, err := features.Fit(ctx, tr, enc.steps...)
		if err != nil {
			log.Fatal(err)
		}
		xtr, err := p.TransformTable(ctx, tr)
		if err != nil {
			log.Fatal(err)
		}
		ytr := binaryLabels(tr)
		normal := tr.Filter(func(i int) bool { return tr.Label(i) == "normal" })
		xnorm, err := p.TransformTable(ctx, normal)
		if err != nil {
			log.Fatal(err)
		}
		xte := make([]*mat.Dense, len(tests))
		for k, te := range tests {
			if xte[k], err = p.TransformTable(ctx, te.t); err != nil {
				log.Fatal(err)
			}
		}
		if *out != "" {
			dir := filepath.Join(*out, enc.name)
			must(os.MkdirAll(dir, 0o755))
			write(dir, "train", xtr, ytr)
			for k, te := range tests {
				write(dir, te.name, xte[k], binaryLabels(te.t))
			}
			must(os.WriteFile(filepath.Join(dir, "names.json"), mustJSON(p.Names()), 0o644))
		}
		acc := map[string]map[string][]float64{}
		add := func(test, metric string, v float64) {
			if acc[test] == nil {
				acc[test] = map[string][]float64{}
			}
			acc[test][metric] = append(acc[test][metric], v)
		}
		for seed := range *seeds {
			ifo, err := iforest.Fit(ctx, xnorm, iforest.Config{Trees: 100, SampleSize: 256, Seed: uint64(seed)})
			if err != nil {
				log.Fatal(err)
			}
			rf, err := forest.Fit(ctx, xtr, ytr, forest.Config{Trees: 100, Seed: uint64(seed)})
			if err != nil {
				log.Fatal(err)
			}
			for k, te := range tests {
				y := binaryLabels(te.t)
				attack := make([]bool, len(y))
				for i, v := range y {
					attack[i] = v == 1
				}
				s := make([]float64, len(y))
				must(anomaly.ScoreBatch(ctx, ifo, xte[k], s, 0))
				auc, err := anomaly.ROCAUC(s, attack)
				must(err)
				add(te.name, "iforest_auc", auc)
				must(anomaly.ScoreBatch(ctx, rf, xte[k], s, 0))
				auc, err = anomaly.ROCAUC(s, attack)
				must(err)
				add(te.name, "rf_auc", auc)
				c, err := anomaly.NewConfusion(s, attack, 0.5)
				must(err)
				add(te.name, "rf_acc", c.Accuracy())
				add(te.name, "rf_f1", c.F1())
			}
			log.Printf("%s seed %d done", enc.name, seed)
		}
		summary := map[string]map[string]map[string]float64{}
		for test, m := range acc {
			summary[test] = map[string]map[string]float64{}
			for metric, v := range m {
				summary[test][metric] = stats(v)
			}
		}
		res[enc.name] = map[string]any{"features": p.NumFeatures(), "results": summary}
	}
	os.Stdout.Write(mustJSON(res))
	fmt.Println()
}

func binaryLabels(t *dataset.Table) []int {
	y := make([]int, t.Len())
	for i, l := range t.Labels() {
		if l != "normal" {
			y[i] = 1
		}
	}
	return y
}

func stats(v []float64) map[string]float64 {
	lo, hi, s := math.Inf(1), math.Inf(-1), 0.0
	for _, x := range v {
		lo, hi, s = min(lo, x), max(hi, x), s+x
	}
	return map[string]float64{"mean": s / float64(len(v)), "min": lo, "max": hi}
}

func write(dir, name string, x *mat.Dense, y []int) {
	r, c := x.Dims()
	raw := x.RawMatrix()
	b := make([]byte, 0, r*c*8)
	for i := range r {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	must(os.WriteFile(filepath.Join(dir, name+".x.f64"), b, 0o644))
	must(os.WriteFile(filepath.Join(dir, name+".json"), mustJSON(map[string]any{"rows": r, "cols": c, "y": y}), 0o644))
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", " ")
	must(err)
	return b
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
