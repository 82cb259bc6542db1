package xgboost_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/errs"
)

// exampleRows reads the first n rows of testdata/extra/input.csv (118
// encoded NSL-KDD features per row) and the column names.
func exampleRows(n int) ([][]float64, []string) {
	f, err := os.Open("testdata/extra/input.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan()
	names := strings.Split(sc.Text(), ",")
	var rows [][]float64
	for len(rows) < n && sc.Scan() {
		var r []float64
		for _, c := range strings.Split(sc.Text(), ",") {
			v, _ := strconv.ParseFloat(c, 64)
			r = append(r, v)
		}
		rows = append(rows, r)
	}
	return rows, names
}

func ExampleLoad() {
	m, err := xgboost.Load("testdata/extra/boosted_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Objective(), m.Booster(), m.Version())
	fmt.Println(m.NumFeatures(), "features,", m.NumTrees(), "trees,", m.ParallelTrees(), "per round,", m.Rounds(), "rounds")
	rows, _ := exampleRows(2)
	for _, x := range rows {
		p, err := m.Score(x) // P(attack)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%.6f\n", p)
	}
	// Output:
	// binary:logistic gbtree [1 7 4]
	// 118 features, 9 trees, 3 per round, 3 rounds
	// 0.193218
	// 0.776234
}

func ExampleRead() {
	f, err := os.Open("testdata/extra/rf.ubj") // UBJSON, sniffed from the bytes
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	m, err := xgboost.Read(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Format(), m.Objective(), m.NumTrees(), "trees in", m.Rounds(), "round")
	// Output: ubjson binary:logistic 6 trees in 1 round
}

func ExampleModel_PredictProba() {
	m, err := xgboost.Load("testdata/extra/multi_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(1)
	p := make([]float64, m.NumClass())
	if err := m.PredictProba(rows[0], p); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("P(class) = %.4f\n", p)
	s, _ := m.Score(rows[0]) // 1 − P(class 0)
	fmt.Printf("score with class 0 normal: %.4f\n", s)
	m2, _ := m.WithNormalClass(2)
	s, _ = m2.Score(rows[0])
	fmt.Printf("score with class 2 normal: %.4f\n", s)
	// Output:
	// P(class) = [0.6099 0.1969 0.1932]
	// score with class 0 normal: 0.3901
	// score with class 2 normal: 0.8068
}

func ExampleModel_Margin() {
	m, err := xgboost.Load("testdata/extra/multi_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(1)
	margin := make([]float64, m.NumOutputs())
	if err := m.Margin(rows[0], margin); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n", margin)
	// Output: [1.2293 0.0984 0.0797]
}

func ExampleModel_CheckFeatureNames() {
	m, err := xgboost.Load("testdata/extra/boosted_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	_, names := exampleRows(0)
	fmt.Println(m.CheckFeatureNames(names))
	names[1], names[2] = names[2], names[1] // a pipeline with two columns swapped
	err = m.CheckFeatureNames(names)
	fmt.Println(err)
	fmt.Println(errors.Is(err, errs.ErrDimension))
	fmt.Println(m.CheckFeatureNames(names[:100]))
	// Output:
	// <nil>
	// xgboost: 2 feature names differ from the model's: column 1: model "src_bytes", pipeline "dst_bytes"; column 2: model "dst_bytes", pipeline "src_bytes"
	// true
	// xgboost: pipeline gives 100 features, model takes 118: netwarden: wrong dimension
}

func ExampleNewCategoryCodes() {
	codes, err := xgboost.NewCategoryCodes(map[string][]string{
		"protocol_type": {"icmp", "tcp", "udp"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(codes.Code("protocol_type", "udp"))
	fmt.Println(codes.Code("protocol_type", "sctp")) // unseen: missing
	// Output:
	// 2
	// NaN
}

func ExampleModel_ScoreBatch() {
	m, err := xgboost.Load("testdata/extra/boosted_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(3)
	X := mat.NewDense(3, m.NumFeatures(), nil)
	for i, r := range rows {
		X.SetRow(i, r)
	}
	scores := make([]float64, 3)
	if err := m.ScoreBatch(context.Background(), X, scores, 2); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n", scores)
	// Output: [0.1932 0.7762 0.5087]
}

func ExampleParse() {
	// A model whose objective this reader does not know is refused, naming
	// the field and the value; it is never scored with a guessed transform.
	b, err := os.ReadFile("testdata/extra/hinge.json")
	if err != nil {
		log.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), `"binary:hinge"`, `"binary:focal"`, 1))
	_, err = xgboost.Parse(b)
	fmt.Println(errors.Is(err, errs.ErrUnsupported))
	fmt.Println(err.Error()[:68])
	// Output:
	// true
	// xgboost: field learner.objective.name: objective "binary:focal" (kno
}

func ExampleModel_Predict() {
	m, err := xgboost.Load("testdata/extra/poisson.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(1)
	pred, margin := []float64{0}, []float64{0}
	_ = m.Predict(rows[0], pred) // exp(margin) for count:poisson
	_ = m.Margin(rows[0], margin)
	fmt.Printf("margin %.4f, prediction %.4f\n", margin[0], pred[0])
	// Output: margin -0.6919, prediction 0.5006
}

func ExampleModel_Score() {
	m, err := xgboost.Load("testdata/extra/rf.json") // an XGBRFClassifier
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(2)
	for _, x := range rows {
		p, _ := m.Score(x)
		fmt.Printf("P(attack) = %.4f\n", p)
	}
	_, err = m.Score(rows[0][:10])
	fmt.Println(err)
	// Output:
	// P(attack) = 0.1192
	// P(attack) = 0.8351
	// xgboost: row has 10 values, model takes 118: netwarden: wrong dimension
}

func ExampleReadCategoryCodes() {
	codes, err := xgboost.ReadCategoryCodes(strings.NewReader(`{"flag": ["OTH", "REJ", "S0", "SF"]}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(codes.Code("flag", "SF"), codes.Code("flag", "RSTO"))
	// Output: 3 NaN
}

func ExampleNewestVersion() {
	v := xgboost.NewestVersion()
	fmt.Printf("models written by XGBoost up to %d.%d are read; newer ones are refused\n", v[0], v[1])
	// Output: models written by XGBoost up to 3.1 are read; newer ones are refused
}

func ExampleModel_Trees() {
	m, err := xgboost.Load("testdata/extra/dart_multi.json") // dart, 3 classes, 4 rounds
	if err != nil {
		log.Fatal(err)
	}
	trees := m.Trees()
	for _, i := range []int{0, 1, 2, 9} {
		fmt.Printf("tree %d: class %d, weight %.4f, %d nodes, depth %d\n",
			i, m.TreeOutput(i), m.TreeWeight(i), len(trees[i].Nodes), trees[i].MaxDepth())
	}
	// Output:
	// tree 0: class 0, weight 1.0000, 9 nodes, depth 3
	// tree 1: class 1, weight 1.0000, 11 nodes, depth 3
	// tree 2: class 2, weight 1.0000, 9 nodes, depth 3
	// tree 9: class 0, weight 0.3226, 9 nodes, depth 3
}

func ExampleModel_PredictBatch() {
	m, err := xgboost.Load("testdata/extra/multi_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(2)
	X := mat.NewDense(2, m.NumFeatures(), append(rows[0], rows[1]...))
	out := make([]float64, 2*m.NumPredictions())
	if err := m.PredictBatch(context.Background(), X, out, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%.4f\n%.4f\n", out[:3], out[3:])
	// Output:
	// [0.6099 0.1969 0.1932]
	// [0.2020 0.2771 0.5209]
}

func ExampleModel_MarshalBinary() {
	m, err := xgboost.Load("testdata/extra/rf.ubj")
	if err != nil {
		log.Fatal(err)
	}
	b, _ := m.MarshalBinary() // the UBJSON bytes XGBoost wrote
	var m2 xgboost.Model
	if err := m2.UnmarshalBinary(b); err != nil {
		log.Fatal(err)
	}
	rows, _ := exampleRows(1)
	s1, _ := m.Score(rows[0])
	s2, _ := m2.Score(rows[0])
	fmt.Println(m2.Format(), s1 == s2)
	// Output: ubjson true
}
