package dataset_test

import (
	"fmt"
	"strings"

	"github.com/netwarden/netwarden/dataset"
)

// A 0/1 label column (UNSW-NB15's "label") is read with Binary, its attack
// family from a column beside it.
func ExampleBinaryLabel() {
	const unsw = "dur,proto,attack_cat,label\n" +
		"0.1,tcp,Normal,0\n0.0,udp,Generic,1\n0.2,tcp,Exploits,1\n"
	t, err := dataset.ReadCSV(strings.NewReader(unsw), "unsw.csv", dataset.CSVConfig{
		Categorical: []string{"proto"},
		Label:       "label",
		Binary:      dataset.ZeroOne,
		Family:      "attack_cat",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range t.Len() {
		fmt.Println(t.Label(i), t.IsAttack(i), t.Family(i))
	}
	// Without Binary, the labels 0 and 1 are not in the category map: an
	// error, not a table of attacks.
	_, err = dataset.ReadCSV(strings.NewReader(unsw), "unsw.csv", dataset.CSVConfig{
		Categorical: []string{"proto"}, Label: "label", Ignore: []string{"attack_cat"}})
	fmt.Println(err != nil)
	// Output:
	// 0 false Normal
	// 1 true Generic
	// 1 true Exploits
	// true
}

// SplitByTime tests on traffic later than all of the training traffic.
func ExampleSplitByTime() {
	const flows = "stime,bytes,label\n" +
		"1421927414,10,normal\n1421927377,20,normal\n1421927420,30,neptune\n1421927390,40,normal\n"
	t, err := dataset.ReadCSV(strings.NewReader(flows), "flows.csv", dataset.CSVConfig{Label: "label"})
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := dataset.SplitByTime(t, dataset.TimeSplitConfig{Column: "stime", Fraction: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(train.Numeric(1), test.Numeric(1))
	// Output:
	// [10 20 40] [30]
}

// CleanNames names a header's columns as the CSV loader does.
func ExampleCleanNames() {
	fmt.Printf("%q\n", dataset.CleanNames([]string{"\ufeffFlow ID", " Fwd Header Length", " Fwd Header Length", ""}))
	// Output:
	// ["Flow ID" "Fwd Header Length" "Fwd Header Length.1" "c4"]
}
