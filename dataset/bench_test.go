package dataset_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/netwarden/netwarden/dataset"
)

// BenchmarkReadNSLKDD parses KDDTest+.txt (3.4 MB, 22 544 rows) from memory
// into a Table (ReadAll) and through the streaming Reader alone.
//
//	NSLKDD_DIR=../shared/data/nsl-kdd go test -run=^$ -bench=ReadNSLKDD -cpu=1 ./dataset/
func BenchmarkReadNSLKDD(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(nslDir(b), "KDDTest+.txt"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("table", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		rows := 0
		for b.Loop() {
			t, err := dataset.ReadNSLKDD(bytes.NewReader(data), "KDDTest+.txt")
			if err != nil {
				b.Fatal(err)
			}
			rows += t.Len()
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		var row dataset.Row
		rows := 0
		for b.Loop() {
			rd := dataset.NewNSLKDDReader(bytes.NewReader(data), "KDDTest+.txt")
			for {
				err := rd.Read(&row)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkReadCSV parses a CICFlowMeter-like CSV made of KDDTest+.txt with
// a header.
func BenchmarkReadCSV(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(nslDir(b), "KDDTest+.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var hdr bytes.Buffer
	s := dataset.NSLKDDSchema()
	for _, c := range s.Columns {
		hdr.WriteString(c.Name + ",")
	}
	hdr.WriteString("label,difficulty\n")
	data = append(hdr.Bytes(), data...)
	cfg := dataset.CSVConfig{Categorical: []string{"protocol_type", "service", "flag"}, Label: "label", Ignore: []string{"difficulty"}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		t, err := dataset.ReadCSV(bytes.NewReader(data), "KDDTest+.csv", cfg)
		if err != nil {
			b.Fatal(err)
		}
		rows += t.Len()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSynthetic generates synthetic tables of several sizes.
func BenchmarkSynthetic(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for b.Loop() {
				t, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: n})
				if err != nil {
					b.Fatal(err)
				}
				rows += t.Len()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
