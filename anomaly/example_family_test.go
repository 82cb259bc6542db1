package anomaly_test

import (
	"fmt"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// With the rows' attack families (dataset.Table.Families), the report
// gives detection per family beside the coarse categories.
func ExampleReportConfig_families() {
	scores := []float64{0.1, 0.9, 0.2, 0.8, 0.7, 0.3}
	cats := []dataset.Category{dataset.Normal, dataset.DoS, dataset.DoS, dataset.Unknown, dataset.Probe, dataset.Normal}
	families := []string{"BENIGN", "DoS Hulk", "DoS slowloris", "Bot", "PortScan", "BENIGN"}
	r, err := anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{Families: families})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Families {
		fmt.Printf("%-14s %-8s %d/%d\n", f.Family, f.Category, f.Detected, f.Rows)
	}
	// Output:
	// Bot            unknown  1/1
	// DoS Hulk       DoS      1/1
	// DoS slowloris  DoS      0/1
	// PortScan       Probe    1/1
}
