// Package nsltest gives tests that need the real NSL-KDD files one way to
// find, load and encode them.
//
// The files are read from the directory named by $NSLKDD_DIR; when it is
// unset, the calling test is skipped with a message that says how to run it.
// CI always sets it (to ../shared/data/nsl-kdd), so there these tests run.
// Loaded tables are cached for the life of the test binary, so several tests
// can share one load.
package nsltest

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
)

// EnvVar names the environment variable that points at the NSL-KDD files.
const EnvVar = "NSLKDD_DIR"

// The NSL-KDD file names, as distributed.
const (
	Train20 = "KDDTrain+_20Percent.txt"
	Train   = "KDDTrain+.txt.gz"
	Test    = "KDDTest+.txt"
	Test21  = "KDDTest-21.txt"
)

// Dir returns $NSLKDD_DIR, or skips tb when it is unset or not a directory.
func Dir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv(EnvVar)
	if d == "" {
		tb.Skipf("real-data test: set %s to the folder holding the NSL-KDD files (e.g. %s=../shared/data/nsl-kdd) to run it", EnvVar, EnvVar)
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		tb.Skipf("real-data test: %s=%q is not a readable directory", EnvVar, d)
	}
	return d
}

var (
	mu    sync.Mutex
	cache = map[string]*dataset.Table{}
)

// Load reads one NSL-KDD file (Train20, Train, Test or Test21) from Dir,
// failing tb on a read error. The returned table is shared between callers:
// do not modify it.
func Load(tb testing.TB, name string) *dataset.Table {
	tb.Helper()
	path := filepath.Join(Dir(tb), name)
	mu.Lock()
	defer mu.Unlock()
	if t, ok := cache[path]; ok {
		return t
	}
	t, err := dataset.LoadNSLKDD(path)
	if err != nil {
		tb.Fatalf("nsltest: %v", err)
	}
	cache[path] = t
	return t
}

// Encode encodes train and test the way ../shared/reference does (pandas
// get_dummies fitted on train): the numeric columns as they are, in schema
// order, then for each categorical column in schema order one 0/1 column per
// level seen in train, levels sorted, named "column=level"; a test level not
// seen in train encodes as all zeros. On KDDTrain+_20Percent this gives the
// 118 columns of ../shared/fixtures/xgboost/columns.txt, on KDDTrain+ 122.
func Encode(train, test *dataset.Table) (xtr, xte *mat.Dense, names []string) {
	s := train.Schema()
	var numCols, catCols []int
	for j, c := range s.Columns {
		if c.Kind == dataset.Numeric {
			numCols = append(numCols, j)
			names = append(names, c.Name)
		} else {
			catCols = append(catCols, j)
		}
	}
	// offset[column][level] = output column
	offsets := make([]map[string]int, len(s.Columns))
	for _, j := range catCols {
		_, levels := train.Codes(j)
		sorted := append([]string(nil), levels...)
		sort.Strings(sorted)
		offsets[j] = map[string]int{}
		for _, l := range sorted {
			offsets[j][l] = len(names)
			names = append(names, s.Columns[j].Name+"="+l)
		}
	}
	enc := func(t *dataset.Table) *mat.Dense {
		n, w := t.Len(), len(names)
		data := make([]float64, n*w)
		for k, j := range numCols {
			for i, v := range t.Numeric(j) {
				data[i*w+k] = v
			}
		}
		for _, j := range catCols {
			codes, levels := t.Codes(j)
			col := make([]int, len(levels))
			for c, l := range levels {
				o, ok := offsets[j][l]
				if !ok {
					o = -1
				}
				col[c] = o
			}
			for i, c := range codes {
				if o := col[c]; o >= 0 {
					data[i*w+o] = 1
				}
			}
		}
		if n == 0 {
			return &mat.Dense{}
		}
		return mat.NewDense(n, w, data)
	}
	return enc(train), enc(test), names
}

// Binary returns each row's binary label: 1 for an attack, 0 for normal.
func Binary(t *dataset.Table) []int {
	y := make([]int, t.Len())
	for i, l := range t.Labels() {
		if l != "normal" {
			y[i] = 1
		}
	}
	return y
}

// Classes returns each row's 5-class label: 0 normal, 1 DoS, 2 Probe, 3 R2L,
// 4 U2R (the dataset.Category values), and -1 for a row whose category is
// Unknown (none in the NSL-KDD files).
func Classes(t *dataset.Table) []int {
	y := make([]int, t.Len())
	for i, c := range t.Categories() {
		y[i] = int(c)
		if c >= dataset.NumCategories {
			y[i] = -1
		}
	}
	return y
}
