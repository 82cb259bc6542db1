// Command fivegc trains Isolation Forests on the benign control plane of a
// 5G core (PFCP on N4, NGAP/NAS on N2), flags signalling attacks, explains
// each alert by its features, and reports detection per attack and false
// alarms on benign traffic.
//
// Offline by default: it writes a benign synthetic capture to train on and
// a second synthetic capture with the seven attack scenarios of
// fivegc.Attacks to test on (both made by the library's own encoders). With
// -pcap DIR (the shared captures) it also trains on the real benign
// captures and scores the real attack captures: dlteam5g/007*-fuzz (NAS
// fuzzing from 10.10.51.26) and suci/OnePlus_32_PersonOfInterest_found
// (SUCI catcher), and reports the false alarms on three real benign
// captures it did not train on. The NAS fuzzing runs are caught by what
// any fuzzer produces: NAS messages of undefined types, or that fail to
// decode, and the error reports (5GMM STATUS, …) the core answers them
// with, in the UE and gNB rows' protocol_errors (see fivegc.UEColumns).
//
//	go run ./examples/fivegc
//	go run ./examples/fivegc -pcap ../shared/data/pcap
//	go run ./examples/fivegc -alerts alerts.tsv
//
// With -alerts FILE every alert (not only each label's highest-scoring
// row) is written as one tab-separated line: the row kind, the capture, the
// row number, its label, its forest score and the features that raised it.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/fivegc"
	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

func main() {
	dir := flag.String("pcap", "", "folder of the shared captures (default: synthetic traffic only, offline)")
	budget := flag.Float64("budget", 0.02, "false-alarm budget on held-out benign rows")
	seed := flag.Uint64("seed", 1, "seed of the synthetic traffic, the calibration split and the forests")
	alerts := flag.String("alerts", "", "file to write every alert to, one line each with the features that raised it")
	flag.Parse()
	var aw io.Writer
	if *alerts != "" {
		f, err := os.Create(*alerts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fivegc:", err)
			os.Exit(1)
		}
		defer f.Close()
		aw = f
	}
	if err := run(context.Background(), os.Stdout, aw, *dir, *budget, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fivegc:", err)
		os.Exit(1)
	}
}

// key pseudonymises the subscriber identifiers; a deployment keeps its own.
var key = []byte("example key: replace in production")

// tables holds the rows of one capture, by kind.
type tables struct{ n4, ue, sess, gnb *dataset.Table }

func read(src io.Reader, name string, label func(ev *fivegc.Event) string) (tables, error) {
	r, err := packet.NewReader(src, name)
	if err != nil {
		return tables{}, err
	}
	s := fivegc.NewScanner(r)
	s.UserPlane = true
	// The test-bed cores of the real captures cipher with 5G-EA0.
	s.NullCiphered = true
	// Messages that fail to decode count in the N4 and gNB rows.
	s.Malformed = true
	tr, err := fivegc.NewTracker(fivegc.Config{Key: key, Label: label})
	if err != nil {
		return tables{}, err
	}
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tables{}, err
		}
		tr.Add(ev)
	}
	tr.Flush()
	return tables{tr.N4(), tr.UE(), tr.Sessions(), tr.GNB()}, nil
}

func synthetic(seed uint64, attacks bool) (tables, error) {
	var buf bytes.Buffer
	cfg := fivegc.SynthConfig{Seed: seed, Attacks: attacks}
	if !attacks {
		// A longer benign capture to train on: more windows and UEs.
		cfg.Duration, cfg.UEs = 30*time.Minute, 240
	}
	truth, err := fivegc.WriteSynthetic(&buf, cfg)
	if err != nil {
		return tables{}, err
	}
	return read(&buf, "synthetic", func(ev *fivegc.Event) string { return truth.Label(ev.Frame) })
}

func readFile(path string, label func(ev *fivegc.Event) string) (tables, error) {
	f, err := os.Open(path)
	if err != nil {
		return tables{}, err
	}
	defer f.Close()
	return read(f, path, label)
}

func constant(l string) func(*fivegc.Event) string { return func(*fivegc.Event) string { return l } }

var attacker = netip.MustParseAddr("10.10.51.26")

// benignTraining are the real benign captures (under -pcap DIR) the
// forests train on beside the synthetic benign capture.
var benignTraining = []string{"tempo/multiple_ue.pcap", "tempo/spgwu_ext_header_test.pcap", "tempo/vpp_upf.pcap",
	"suci/registration-oneplus.pcapng", "tfactory/5g_NGAP_gnodeb-to-amf-during-UEinit.pcap"}

func run(ctx context.Context, w, alerts io.Writer, dir string, budget float64, seed uint64) error {
	train, err := synthetic(seed, false)
	if err != nil {
		return err
	}
	test, err := synthetic(seed+1, true)
	if err != nil {
		return err
	}
	trainSets := []tables{train}
	type realSet struct {
		name string
		t    tables
	}
	var realTests []realSet
	if dir != "" {
		for _, c := range benignTraining {
			t, err := readFile(filepath.Join(dir, c), constant("normal"))
			if err != nil {
				return err
			}
			trainSets = append(trainSets, t)
		}
		fuzz := func(ev *fivegc.Event) string {
			if ev.Src == attacker || ev.Dst == attacker {
				return "nas_fuzzing"
			}
			return "normal"
		}
		for _, c := range []string{"dlteam5g/007a-fuzz-open5gs.pcapng", "dlteam5g/007b-fuzz-open5gs.pcapng", "dlteam5g/007d-fuzz-open5gs.pcapng", "dlteam5g/007e-fuzz-open5gs.pcapng"} {
			t, err := readFile(filepath.Join(dir, c), fuzz)
			if err != nil {
				return err
			}
			realTests = append(realTests, realSet{c, t})
		}
		// Benign captures the forests never saw: their alerts are false alarms.
		for _, c := range []string{"dongnt/5GSA-Reg-PDUEst_filtered.pcap", "tempo/rohan_upf_gtpu_ext_dl.pcapng", "tempo/OppoSPGWC-disconnect.pcap"} {
			t, err := readFile(filepath.Join(dir, c), constant("normal"))
			if err != nil {
				return err
			}
			realTests = append(realTests, realSet{c, t})
		}
		t, err := readFile(filepath.Join(dir, "suci/OnePlus_32_PersonOfInterest_found.pcapng"), constant("suci_catching"))
		if err != nil {
			return err
		}
		realTests = append(realTests, realSet{"suci/OnePlus_32_PersonOfInterest_found.pcapng", t})
		fmt.Fprintf(w, "data: synthetic 5G core traffic (seed %d benign, seed %d with attacks) and the real captures in %s\n", seed, seed+1, dir)
	} else {
		fmt.Fprintf(w, "data: synthetic 5G core traffic (seed %d benign, seed %d with attacks); -pcap DIR adds the real captures\n", seed, seed+1)
	}
	for _, kind := range []struct {
		name string
		pick func(tables) *dataset.Table
	}{
		{"N4 peer windows", func(t tables) *dataset.Table { return t.n4 }},
		{"PFCP sessions", func(t tables) *dataset.Table { return t.sess }},
		{"UEs on N2", func(t tables) *dataset.Table { return t.ue }},
		{"gNB windows on N2", func(t tables) *dataset.Table { return t.gnb }},
	} {
		var tr []*dataset.Table
		for _, t := range trainSets {
			tr = append(tr, kind.pick(t))
		}
		var rt []*dataset.Table
		var rn []string
		for _, r := range realTests {
			rt = append(rt, kind.pick(r.t))
			rn = append(rn, r.name)
		}
		if err := evaluate(ctx, w, alerts, kind.name, tr, kind.pick(test), rt, rn, budget, seed); err != nil {
			return err
		}
	}
	return nil
}

func concat(ts []*dataset.Table) *dataset.Table {
	out := dataset.NewTable(ts[0].Schema())
	var r dataset.Row
	for _, t := range ts {
		for i := 0; i < t.Len(); i++ {
			t.Row(i, &r)
			_ = out.Append(&r)
		}
	}
	return out
}

func evaluate(ctx context.Context, w, alerts io.Writer, name string, trainTabs []*dataset.Table, test *dataset.Table, realTabs []*dataset.Table, realNames []string, budget float64, seed uint64) error {
	train := concat(trainTabs)
	fmt.Fprintf(w, "\n== %s: %d benign training rows, %d synthetic test rows\n", name, train.Len(), test.Len())
	if train.Len() < 10 {
		fmt.Fprintln(w, "too few rows to train")
		return nil
	}
	steps := []features.Step{features.Drop(nil, features.Log1p, features.Standardize)}
	pipe, err := features.Fit(ctx, train, steps...)
	if err != nil {
		return err
	}
	c, err := demo.FitCalibrated(ctx, pipe, train, nil, rand.New(rand.NewPCG(seed, 0x5eed)), 0.25, budget, iforest.Config{Seed: seed})
	if err != nil {
		return err
	}
	forest, th, fitIdx, calIdx := c.Forest, c.Threshold, c.Fit, c.Cal
	// A second, plain detector beside the forest: the range each raw
	// column took on the benign rows the forest was fitted on. A signalling
	// attack often sets a count that benign traffic never does (FARs to
	// drop, orphan deletions, SUCI identity requests); a column that is
	// constant in training gives the forest nothing to split on, so the
	// range guard speaks for it. A row is out of range when a column
	// exceeds 1.5 times its benign maximum plus one.
	fitTab := train.Subset(fitIdx)
	maxv := make([]float64, fitTab.NumColumns())
	for j := range maxv {
		for _, v := range fitTab.Numeric(j) {
			maxv[j] = max(maxv[j], v)
		}
	}
	cols := train.Schema().Columns
	outOfRange := func(t *dataset.Table, i int) string {
		s := ""
		for j := range maxv {
			if v := t.Numeric(j)[i]; v > 1.5*maxv[j]+1 {
				if s != "" {
					s += ", "
				}
				s += fmt.Sprintf("%s=%g (benign max %g)", cols[j].Name, v, maxv[j])
			}
		}
		return s
	}
	calOut := 0
	calTab := train.Subset(calIdx)
	for i := 0; i < calTab.Len(); i++ {
		if outOfRange(calTab, i) != "" {
			calOut++
		}
	}
	fmt.Fprintf(w, "forest threshold %.4f (%.0f%% false-alarm budget on %d held-out benign rows); range guard flags %d of them\n", float64(th), budget*100, len(calIdx), calOut)
	report := func(title string, t *dataset.Table) error {
		if t.Len() == 0 {
			return nil
		}
		x, err := pipe.TransformTable(ctx, t)
		if err != nil {
			return err
		}
		scores := make([]float64, t.Len())
		if err := anomaly.ScoreBatch(ctx, forest, x, scores, 0); err != nil {
			return err
		}
		contrib := make([]float64, forest.NumFeatures())
		// explain names the features behind an alert on row i: the
		// forest's three largest contributions when it flagged the row,
		// and the columns out of their benign range.
		explain := func(i int, s float64) string {
			e := ""
			if th.Decide(s) {
				if err := forest.Contributions(x.RawRowView(i), contrib); err == nil {
					e = "forest " + top3(pipe.Names(), contrib)
				}
			}
			if o := outOfRange(t, i); o != "" {
				e += " range: " + o
			}
			return e
		}
		type agg struct{ rows, flagged, top, forest, guard int }
		by := map[string]*agg{}
		for i, s := range scores {
			a := by[t.Label(i)]
			if a == nil {
				a = &agg{top: i}
				by[t.Label(i)] = a
			}
			a.rows++
			f, g := th.Decide(s), outOfRange(t, i) != ""
			if f || g {
				a.flagged++
			}
			if f {
				a.forest++
			}
			if g {
				a.guard++
			}
			if s > scores[a.top] {
				a.top = i
			}
			if (f || g) && alerts != nil {
				fmt.Fprintf(alerts, "%s\t%s\trow %d\t%s\tscore %.4f\t%s\n", name, strings.TrimSuffix(title, ":"), i, t.Label(i), s, explain(i, s))
			}
		}
		labels := make([]string, 0, len(by))
		for l := range by {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		fmt.Fprintf(w, "%s\n  %-26s %6s %8s %9s %7s %6s  why its highest-scoring row was flagged\n", title, "label", "rows", "flagged", "rate", "forest", "range")
		for _, l := range labels {
			a := by[l]
			kindOf := "detection"
			if l == "normal" {
				kindOf = "false alarms"
			}
			expl := ""
			if l != "normal" || a.flagged > 0 {
				expl = explain(a.top, scores[a.top])
			}
			fmt.Fprintf(w, "  %-26s %6d %8d %8.1f%% %7d %6d  %s %s\n", l, a.rows, a.flagged, 100*float64(a.flagged)/float64(a.rows), a.forest, a.guard, kindOf, expl)
		}
		return nil
	}
	if err := report("synthetic test capture:", test); err != nil {
		return err
	}
	for i, t := range realTabs {
		if err := report("real capture "+realNames[i]+":", t); err != nil {
			return err
		}
	}
	return nil
}

func top3(names []string, c []float64) string {
	idx := make([]int, len(c))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return c[idx[a]] > c[idx[b]] })
	s := "["
	for k := 0; k < 3 && k < len(idx) && c[idx[k]] > 0; k++ {
		if k > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %.2f", names[idx[k]], c[idx[k]])
	}
	return s + "]"
}
