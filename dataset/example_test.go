package dataset_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// Two records in the NSL-KDD text format: 41 features, attack name,
// difficulty level.
const exampleNSL = `0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune,21
2,tcp,ftp_data,SF,12983,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,134,86,0.61,0.04,0.61,0.02,0.00,0.00,0.00,0.00,normal,21
`

func ExampleReadNSLKDD() {
	t, err := dataset.ReadNSLKDD(strings.NewReader(exampleNSL), "example.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := t.Schema()
	fmt.Println(t.Len(), "rows,", s.Len(), "features")
	for i := 0; i < t.Len(); i++ {
		fmt.Println(t.Label(i), t.Category(i), t.Difficulty(i))
	}
	fmt.Println("src_bytes:", t.Numeric(s.Index("src_bytes")))
	// Output:
	// 2 rows, 41 features
	// neptune DoS 21
	// normal normal 21
	// src_bytes: [0 12983]
}

func ExampleLoadNSLKDD() {
	dir, _ := os.MkdirTemp("", "nsl")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "KDDTest+.txt") // a ".gz" name is decompressed
	_ = os.WriteFile(path, []byte(exampleNSL), 0o644)

	t, err := dataset.LoadNSLKDD(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Len(), t.LabelCounts())

	// Malformed text is an error naming file, line, column and field.
	_ = os.WriteFile(path, []byte(strings.Replace(exampleNSL, "12983", "12x83", 1)), 0o644)
	_, err = dataset.LoadNSLKDD(path)
	var pe *dataset.ParseError
	if errors.As(err, &pe) {
		fmt.Println(filepath.Base(pe.File), pe.Line, pe.Column, pe.Field, errors.Is(err, errs.ErrFormat))
	}
	// Output:
	// 2 map[neptune:1 normal:1]
	// KDDTest+.txt 2 19 src_bytes true
}

func ExampleReader() {
	text := exampleNSL + "0,tcp,http,SF,0\n"
	r := dataset.NewNSLKDDReader(strings.NewReader(text), "stream.txt")
	r.Lenient = true    // skip and count bad rows instead of stopping
	var row dataset.Row // reused: Read allocates nothing per row
	for {
		err := r.Read(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.Label, row.Cat[2], row.Num[22])
	}
	rep := r.Report()
	fmt.Println(rep.Rows, "rows,", rep.Skipped, "skipped:", rep.Errors[0])
	// Output:
	// neptune private 229
	// normal ftp_data 1
	// 2 rows, 1 skipped: dataset: stream.txt:3:16: line has 5 fields, want 43: netwarden: malformed input
}

func ExampleReadCSV() {
	// A CICFlowMeter-style export: spaces in the header, "Infinity" rates.
	const flows = `Flow ID, Destination Port, Protocol, Flow Bytes/s, Label
f1,443,tcp,5210.5,BENIGN
f2,80,tcp,Infinity,DDoS
f3,22,tcp,,SSH-Patator
`
	t, err := dataset.ReadCSV(strings.NewReader(flows), "flows.csv", dataset.CSVConfig{
		Categorical: []string{"Protocol"},
		Label:       "Label",
		Ignore:      []string{"Flow ID"},
		Inf:         dataset.ValuePolicy{Action: dataset.Replace, Value: 1e9},
		Missing:     dataset.ValuePolicy{Action: dataset.AsNaN},
		Categories:  map[string]dataset.Category{"BENIGN": dataset.Normal, "DDoS": dataset.DoS},
		// SSH-Patator is not in Categories: load it as an attack of
		// unknown category instead of failing.
		Unmapped: dataset.UnmappedKeep,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := t.Schema()
	for _, c := range s.Columns {
		fmt.Printf("%s (%v)\n", c.Name, c.Kind)
	}
	fmt.Println(t.Numeric(s.Index("Flow Bytes/s")))
	fmt.Println(t.Categories())
	fmt.Println("unknown labels:", t.LoadReport().UnknownLabels)
	// Output:
	// Destination Port (numeric)
	// Protocol (categorical)
	// Flow Bytes/s (numeric)
	// [5210.5 1e+09 NaN]
	// [normal DoS unknown]
	// unknown labels: map[SSH-Patator:1]
}

func ExampleSynthetic() {
	t, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 1000, AttackFraction: 0.2, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(t.Source()[:34])
	c := t.CategoryCounts()
	fmt.Println("normal:", c[dataset.Normal], "attacks:", t.Len()-c[dataset.Normal])

	// A test set with attack families the training set never had.
	test, _ := dataset.Synthetic(dataset.SyntheticConfig{Rows: 1000, Seed: 2,
		Attacks: []string{"neptune", "mscan", "apache2"}})
	novel := dataset.NovelLabels(t, test)
	fmt.Println(novel["mscan"] > 0, novel["apache2"] > 0, novel["neptune"])
	// Output:
	// synthetic NSL-KDD-schema traffic (
	// normal: 800 attacks: 200
	// true true 0
}

func ExampleCategoryOf() {
	for _, name := range []string{"neptune", "smurf.", "mscan", "guess_passwd", "worm", "httptunnel", "xterm", "normal", "stuxnet"} {
		fmt.Println(name, dataset.CategoryOf(name))
	}
	// Output:
	// neptune DoS
	// smurf. DoS
	// mscan Probe
	// guess_passwd R2L
	// worm R2L
	// httptunnel R2L
	// xterm U2R
	// normal normal
	// stuxnet unknown
}

func ExampleNovelLabels() {
	train, _ := dataset.ReadNSLKDD(strings.NewReader(exampleNSL), "train.txt")
	test, _ := dataset.ReadNSLKDD(strings.NewReader(strings.ReplaceAll(exampleNSL, "neptune", "apache2")), "test.txt")
	fmt.Println(dataset.NovelLabels(train, test))
	// Output:
	// map[apache2:1]
}

func ExampleFetchNSLKDD() {
	// A local server stands in for the mirror here; by default FetchNSLKDD
	// downloads from DefaultNSLKDDURL into the user's cache directory.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, exampleNSL)
	}))
	defer srv.Close()
	cache, _ := os.MkdirTemp("", "cache")
	defer os.RemoveAll(cache)

	dir, err := dataset.FetchNSLKDD(context.Background(), dataset.FetchConfig{BaseURL: srv.URL, Dir: cache}, "mine.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	t, _ := dataset.LoadNSLKDD(filepath.Join(dir, "mine.txt"))
	fmt.Println(t.Len(), "rows")

	// KDDTest+.txt has a known SHA-256, which this text does not match.
	_, err = dataset.FetchNSLKDD(context.Background(), dataset.FetchConfig{BaseURL: srv.URL, Dir: cache}, "KDDTest+.txt")
	fmt.Println(errors.Is(err, errs.ErrChecksum))
	// Output:
	// 2 rows
	// true
}

func ExampleReadKDD99() {
	const text = `0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal.
0,icmp,ecr_i,SF,1032,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,511,511,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,255,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00,smurf.
`
	t, err := dataset.ReadKDD99(strings.NewReader(text), "kddcup.data_10_percent")
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < t.Len(); i++ {
		fmt.Println(t.Label(i), t.Category(i), t.Difficulty(i))
	}
	// Output:
	// normal normal -1
	// smurf DoS -1
}

func ExampleNSLKDDSchema() {
	s := dataset.NSLKDDSchema()
	fmt.Println(s.Len(), "columns")
	for _, c := range s.Columns[:5] {
		fmt.Println(c.Name, c.Kind)
	}
	// Output:
	// 41 columns
	// duration numeric
	// protocol_type categorical
	// service categorical
	// flag categorical
	// src_bytes numeric
}

func ExampleNewCSVReader() {
	const flows = "src_port;proto;bytes;verdict\n443;tcp;1200;benign\n53;udp;80;dns-tunnel\n"
	r, err := dataset.NewCSVReader(strings.NewReader(flows), "flows.csv", dataset.CSVConfig{
		Comma:       ';',
		Categorical: []string{"proto"},
		Label:       "verdict",
		CategoryFunc: func(label string) dataset.Category {
			if label == "benign" {
				return dataset.Normal
			}
			return dataset.R2L
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var row dataset.Row
	for r.Read(&row) == nil {
		fmt.Println(row.Num[0], row.Cat[1], row.Num[2], row.Label, row.Category)
	}
	// Output:
	// 443 tcp 1200 benign normal
	// 53 udp 80 dns-tunnel R2L
}

func ExampleTable_LoadReport() {
	r := dataset.NewNSLKDDReader(strings.NewReader(strings.ReplaceAll(exampleNSL, "neptune", "zeroday")), "x.txt")
	t, _ := r.ReadAll()
	rep := t.LoadReport()
	fmt.Println(rep.Rows, rep.Unknown, rep.UnknownLabels)
	fmt.Println(t.CategoryCounts())
	// Output:
	// 2 1 map[zeroday:1]
	// [1 0 0 0 0 1]
}

func ExampleKnownSHA256() {
	h, ok := dataset.KnownSHA256("KDDTest+.txt")
	fmt.Println(ok, h[:16])
	// Output:
	// true fa46b0935342616a
}

func ExampleSyntheticAttacks() {
	fmt.Println(len(dataset.SyntheticAttacks()), "families,", len(dataset.SyntheticTrainAttacks()), "of them in NSL-KDD's training set")
	// Output:
	// 39 families, 22 of them in NSL-KDD's training set
}
