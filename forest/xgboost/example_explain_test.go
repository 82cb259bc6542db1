package xgboost_test

import (
	"fmt"
	"log"
	"math"
	"sort"

	"github.com/netwarden/netwarden/forest/xgboost"
)

// topContributions prints the k features with the largest |contribution|.
func topContributions(names []string, c []float64, k int) {
	idx := make([]int, len(c))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(c[idx[a]]) > math.Abs(c[idx[b]]) })
	for _, i := range idx[:k] {
		fmt.Printf("  %-24s %+.4f\n", names[i], c[i])
	}
}

func ExampleModel_Explain() {
	m, err := xgboost.Load("testdata/extra/boosted_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, names := exampleRows(2)
	x := rows[1]
	dst := make([]float64, m.NumFeatures()) // reuse it: Explain allocates nothing
	bias, err := m.Explain(x, dst)          // TreeSHAP of the margin (log-odds)
	if err != nil {
		log.Fatal(err)
	}
	margin := []float64{0}
	_ = m.Margin(x, margin)
	sum := bias
	for _, c := range dst {
		sum += c
	}
	fmt.Printf("bias %.4f + contributions = %.4f = margin %.4f\n", bias, sum, margin[0])
	topContributions(names, dst, 3)
	// Output:
	// bias -0.0048 + contributions = 1.2439 = margin 1.2439
	//   src_bytes                +0.7620
	//   dst_host_same_srv_rate   +0.1891
	//   dst_bytes                +0.1890
}

func ExampleModel_ExplainApprox() {
	m, err := xgboost.Load("testdata/extra/boosted_rf.json")
	if err != nil {
		log.Fatal(err)
	}
	rows, names := exampleRows(2)
	dst := make([]float64, m.NumFeatures())
	bias, err := m.ExplainApprox(rows[1], dst) // Saabas: cheaper, not a Shapley value
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bias %.4f\n", bias)
	topContributions(names, dst, 3)
	// Output:
	// bias -0.0048
	//   src_bytes                +0.6275
	//   dst_bytes                +0.2391
	//   dst_host_same_srv_rate   +0.2358
}

func ExampleModel_ExplainClass() {
	m, err := xgboost.Load("testdata/extra/multi_rf.json") // 3 classes, class 0 normal
	if err != nil {
		log.Fatal(err)
	}
	rows, names := exampleRows(1)
	dst := make([]float64, m.NumFeatures())
	for k := range m.NumClass() {
		bias, err := m.ExplainClass(k, rows[0], dst) // margin of class k
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("class %d: bias %.4f\n", k, bias)
		topContributions(names, dst, 2)
	}
	// Explain is the normal class's margin negated: what pushes away from normal.
	bias, _ := m.Explain(rows[0], dst)
	fmt.Printf("not normal: bias %.4f\n", bias)
	topContributions(names, dst, 2)
	// Output:
	// class 0: bias 0.5007
	//   same_srv_rate            +0.6741
	//   src_bytes                +0.0962
	// class 1: bias 0.4879
	//   same_srv_rate            -0.3512
	//   dst_bytes                -0.0705
	// class 2: bias 0.4990
	//   src_bytes                -0.4965
	//   dst_bytes                +0.0833
	// not normal: bias -0.5007
	//   same_srv_rate            -0.6741
	//   src_bytes                -0.0962
}

func ExampleModel_ExplainClassApprox() {
	m, err := xgboost.Load("testdata/extra/dart_multi.json") // dart, 3 classes
	if err != nil {
		log.Fatal(err)
	}
	rows, names := exampleRows(1)
	dst := make([]float64, m.NumFeatures())
	bias, err := m.ExplainClassApprox(1, rows[0], dst)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("class 1: bias %.4f\n", bias)
	topContributions(names, dst, 2)
	// Output:
	// class 1: bias 0.5069
	//   same_srv_rate            -0.6315
	//   dst_host_srv_count       -0.0054
}
