package bundle_test

import "fmt"

// A result names the categorical columns whose value training never saw,
// and an explanation says which model and unit its values are in.
func ExampleResult_unseen() {
	b := flowBundle()
	res, err := b.ExplainRecord(map[string]string{"proto": "SCTP", "src_bytes": "420", "count": "3"}, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("unseen:", res.Unseen)
	fmt.Println("explained:", res.Explained.Model, "in", res.Explained.Unit)
	fmt.Println("counts:", b.UnseenCounts())
	// Output:
	// unseen: [proto]
	// explained: isolation_forest in path length (edges), negated
	// counts: map[proto:1]
}
