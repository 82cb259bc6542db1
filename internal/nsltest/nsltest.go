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
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
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

// FixturesEnvVar names the environment variable that points at the XGBoost
// fixtures trained on NSL-KDD (binary_100.json and the files beside it).
const FixturesEnvVar = "XGBOOST_FIXTURES"

// FixturePath returns name in $XGBOOST_FIXTURES, or an error that says
// what is missing: the variable, or the file.
func FixturePath(name string) (string, error) {
	d := os.Getenv(FixturesEnvVar)
	if d == "" {
		return "", fmt.Errorf("%s is unset: set it to the folder of the XGBoost fixtures", FixturesEnvVar)
	}
	p := filepath.Join(d, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s=%s: %w", FixturesEnvVar, d, err)
	}
	return p, nil
}

// Fixture returns name in $XGBOOST_FIXTURES, or skips tb with a message
// that says how to run it.
func Fixture(tb testing.TB, name string) string {
	tb.Helper()
	p, err := FixturePath(name)
	if err != nil {
		tb.Skipf("needs the XGBoost fixture %s: %v", name, err)
	}
	return p
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

// Encode encodes train and test the way docs/reference does (pandas
// get_dummies fitted on train), through features.Reference: the numeric
// columns as they are, in schema order, then for each categorical column in
// schema order one 0/1 column per level seen in train, levels sorted, named
// "column=level"; a test level not seen in train encodes as all zeros. On
// KDDTrain+_20Percent this gives the 118 columns of
// ../shared/fixtures/xgboost/columns.txt, on KDDTrain+ 122.
//
// The tables come from Load, whose rows always encode; an error here is a
// bug in package features, so Encode panics with it rather than make every
// caller handle an impossible case.
func Encode(train, test *dataset.Table) (xtr, xte *mat.Dense, names []string) {
	ctx := context.Background()
	p, err := features.Fit(ctx, train, features.Reference()...)
	if err == nil {
		xtr, err = p.TransformTable(ctx, train)
	}
	if err == nil {
		xte, err = p.TransformTable(ctx, test)
	}
	if err != nil {
		panic("nsltest: reference encoding: " + err.Error())
	}
	return xtr, xte, p.Names()
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
