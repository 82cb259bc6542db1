// Command pcap meters packets into flows, scores every flow with a bundle
// and writes an alert for each attack as one JSON line on stdout, with the
// explanation and the flow key (inner and outer for GTP-U):
//
//	{"seq":812,"proto":"tcp","src":"10.45.0.66","sport":4120,"dst":"93.184.216.34","dport":443,
//	 "tunnel":{"kind":"gtp-u","outer_src":"10.100.0.1","outer_dst":"10.100.0.2","teid":8191,"qfi":9},
//	 "packets":1,"bytes":40,"end":"idle","score":0.71,"attack":true,"top_features":[…]}
//
// Input is a capture file (pcap, pcapng, gzip; the argument), a live
// interface (-iface NAME, Linux AF_PACKET, CAP_NET_RAW, stops after
// -duration), or, with neither, a synthetic capture with known attacks,
// said so on stderr. The features are those of the bundle's schema: CIC
// (CIC-IDS2017 columns), KDD (NSL-KDD's 41) or the flow record. Without
// -bundle a demo Isolation Forest is trained at start-up on the KDD
// features (or -demo-features cic) of flows metered from a benign
// synthetic capture.
//
//	go run ./examples/pcap                                  # offline demo
//	go run ./examples/pcap -bundle model.nwb capture.pcap > alerts.jsonl
//	sudo go run ./examples/pcap -bundle model.nwb -iface eth0 -duration 60s
//
// A summary JSON line goes to stderr at the end: frames, flows, alerts,
// skipped frames by reason and, for the synthetic capture, the detection
// rate per attack and the false-alarm rate.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
)

type config struct {
	Bundle   string
	Iface    string
	Duration time.Duration
	File     string
	Top      int
	All      bool
	Seed     uint64
	Demo     string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle file that scores the flows (default: a demo bundle trained on a benign synthetic capture)")
	flag.StringVar(&cfg.Iface, "iface", "", "capture live on this network interface (Linux, needs CAP_NET_RAW)")
	flag.DurationVar(&cfg.Duration, "duration", time.Minute, "with -iface: how long to capture")
	flag.IntVar(&cfg.Top, "top", 3, "contributing columns per alert (0: none)")
	flag.BoolVar(&cfg.All, "all", false, "write a line for every flow, not only alerts")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the synthetic captures and the demo bundle")
	flag.StringVar(&cfg.Demo, "demo-features", "kdd", "without -bundle: the features of the demo bundle, kdd or cic")
	flag.Parse()
	if flag.NArg() > 1 {
		fmt.Fprintln(os.Stderr, "pcap: at most one capture file")
		os.Exit(2)
	}
	cfg.File = flag.Arg(0)
	sum, err := run(context.Background(), cfg, os.Stdout, os.Stderr)
	if sum != nil {
		json.NewEncoder(os.Stderr).Encode(sum)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, out, log io.Writer) (*summary, error) {
	var b *bundle.Bundle
	var err error
	if cfg.Bundle != "" {
		b, err = bundle.Load(cfg.Bundle)
	} else {
		fmt.Fprintf(log, "pcap: no -bundle: training a demo Isolation Forest on the %s features of a benign synthetic capture\n", cfg.Demo)
		b, err = DemoBundle(ctx, cfg.Seed, cfg.Demo)
	}
	if err != nil {
		return nil, err
	}
	sc, err := newScorer(b, out, cfg.Top, cfg.All)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Iface != "":
		err = sc.live(cfg.Iface, cfg.Duration)
	case cfg.File != "":
		err = sc.file(cfg.File)
	default:
		fmt.Fprintln(log, "pcap: no capture given: metering a synthetic capture (benign sessions, SYN flood, port scan, UDP flood, GTP-U UEs with one attacking), not real traffic")
		sc.synthetic(cfg.Seed + 1)
	}
	return sc.summary(), err
}
