package flow_test

import (
	"fmt"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
)

func Example() {
	// A synthetic capture with known answers: 40 benign TCP sessions and a
	// port scan of 20 ports.
	c := flow.Synthesize(flow.SynthConfig{Seed: 1, Sessions: 40, SYNFlood: -1, PortScan: 20, UDPFlood: -1, UEs: -1})
	kdd := flow.NewKDD()
	var row dataset.Row
	counts := map[string]int{}
	m := flow.NewMeter(flow.Config{}, func(f *flow.Flow) {
		if err := kdd.Row(f, &row); err != nil {
			fmt.Println(err)
			return
		}
		counts[c.Label(&f.Record)+" "+row.Cat[3]]++ // column 3 is NSL-KDD's flag
	})
	c.Meter(m)
	fmt.Println(m.Stats())
	fmt.Println(counts)
	// Output:
	// 575 frames, 575 packets metered, 0 skipped, 60 flows, 0 evicted, 0 backwards timestamps
	// map[normal REJ:1 normal SF:39 port-scan REJ:20]
}
