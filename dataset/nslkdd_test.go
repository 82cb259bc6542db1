package dataset_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// nslDir returns $NSLKDD_DIR or skips the test, like internal/nsltest.Dir
// (kept here so that this package's tests do not depend on a helper built
// on top of it).
func nslDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("NSLKDD_DIR")
	if d == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files (e.g. NSLKDD_DIR=../shared/data/nsl-kdd) to run it")
	}
	if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
		t.Skipf("real-data test: NSLKDD_DIR=%q is not a readable directory", d)
	}
	return d
}

// Expected per-label counts, computed independently of this package with
//
//	awk -F, '{print $42}' FILE | sort | uniq -c
//
// (zcat first for KDDTrain+.txt.gz); every line has 43 fields.
var nslCounts = map[string]map[string]int{
	"KDDTrain+_20Percent.txt": {"back": 196, "buffer_overflow": 6, "ftp_write": 1, "guess_passwd": 10, "imap": 5, "ipsweep": 710, "land": 1, "loadmodule": 1, "multihop": 2, "neptune": 8282, "nmap": 301, "normal": 13449, "phf": 2, "pod": 38, "portsweep": 587, "rootkit": 4, "satan": 691, "smurf": 529, "spy": 1, "teardrop": 188, "warezclient": 181, "warezmaster": 7},
	"KDDTest+.txt":            {"apache2": 737, "back": 359, "buffer_overflow": 20, "ftp_write": 3, "guess_passwd": 1231, "httptunnel": 133, "imap": 1, "ipsweep": 141, "land": 7, "loadmodule": 2, "mailbomb": 293, "mscan": 996, "multihop": 18, "named": 17, "neptune": 4657, "nmap": 73, "normal": 9711, "perl": 2, "phf": 2, "pod": 41, "portsweep": 157, "processtable": 685, "ps": 15, "rootkit": 13, "saint": 319, "satan": 735, "sendmail": 14, "smurf": 665, "snmpgetattack": 178, "snmpguess": 331, "sqlattack": 2, "teardrop": 12, "udpstorm": 2, "warezmaster": 944, "worm": 2, "xlock": 9, "xsnoop": 4, "xterm": 13},
	"KDDTest-21.txt":          {"apache2": 737, "back": 359, "buffer_overflow": 20, "ftp_write": 3, "guess_passwd": 1231, "httptunnel": 133, "imap": 1, "ipsweep": 141, "land": 7, "loadmodule": 2, "mailbomb": 293, "mscan": 996, "multihop": 18, "named": 17, "neptune": 1579, "nmap": 73, "normal": 2152, "perl": 2, "phf": 2, "pod": 41, "portsweep": 156, "processtable": 685, "ps": 15, "rootkit": 13, "saint": 309, "satan": 727, "sendmail": 14, "smurf": 627, "snmpgetattack": 178, "snmpguess": 331, "sqlattack": 2, "teardrop": 12, "udpstorm": 2, "warezmaster": 944, "worm": 2, "xlock": 9, "xsnoop": 4, "xterm": 13},
	"KDDTrain+.txt.gz":        {"back": 956, "buffer_overflow": 30, "ftp_write": 8, "guess_passwd": 53, "imap": 11, "ipsweep": 3599, "land": 18, "loadmodule": 9, "multihop": 7, "neptune": 41214, "nmap": 1493, "normal": 67343, "perl": 3, "phf": 4, "pod": 201, "portsweep": 2931, "rootkit": 10, "satan": 3633, "smurf": 2646, "spy": 2, "teardrop": 892, "warezclient": 890, "warezmaster": 20},
}

var nslRows = map[string]int{
	"KDDTrain+_20Percent.txt": 25192,
	"KDDTest+.txt":            22544,
	"KDDTest-21.txt":          11850,
	"KDDTrain+.txt.gz":        125973,
}

func TestLoadNSLKDDRealData(t *testing.T) {
	dir := nslDir(t)
	for name, want := range nslCounts {
		t.Run(name, func(t *testing.T) {
			if name == "KDDTrain+.txt.gz" {
				skipSlow(t)
			}
			tab := loadNSL(t, filepath.Join(dir, name))
			assert.Equal(t, nslRows[name], tab.Len())
			assert.Equal(t, want, tab.LabelCounts())
			assert.Empty(t, tab.UnknownLabels(), "every NSL-KDD name is in the category map")
			s := tab.Schema()
			assert.True(t, s.Equal(ptr(dataset.NSLKDDSchema())))
			assert.Equal(t, filepath.Join(dir, name), tab.Source())
			for i := 0; i < tab.Len(); i++ {
				d := tab.Difficulty(i)
				if d < 0 || d > 21 {
					t.Fatalf("row %d: difficulty %d", i, d)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// skipSlow skips the slow real-data tests (full KDDTrain+, KDD'99) under
// -short and under the race detector, which makes them ten times slower;
// the plain CI run covers them.
func skipSlow(t *testing.T) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Skip("slow real-data test: skipped under -short and -race; run go test without them")
	}
}

var (
	nslMu    sync.Mutex
	nslCache = map[string]*dataset.Table{}
)

// loadNSL loads an NSL-KDD file once per test binary.
func loadNSL(t *testing.T, path string) *dataset.Table {
	t.Helper()
	nslMu.Lock()
	defer nslMu.Unlock()
	if tab, ok := nslCache[path]; ok {
		return tab
	}
	tab, err := dataset.LoadNSLKDD(path)
	require.NoError(t, err)
	nslCache[path] = tab
	return tab
}

func TestReadNSLKDDFirstRow(t *testing.T) {
	const text = "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune,21\n" +
		"2,tcp,ftp_data,SF,12983,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,134,86,0.61,0.04,0.61,0.02,0.00,0.00,0.00,0.00,normal,21\n"
	tab, err := dataset.ReadNSLKDD(stringsReader(text), "two.txt")
	require.NoError(t, err)
	require.Equal(t, 2, tab.Len())
	var r dataset.Row
	tab.Row(1, &r)
	assert.Equal(t, 2.0, r.Num[0])
	assert.Equal(t, "tcp", r.Cat[1])
	assert.Equal(t, "ftp_data", r.Cat[2])
	assert.Equal(t, "SF", r.Cat[3])
	assert.Equal(t, 12983.0, r.Num[4])
	assert.Equal(t, 0.61, r.Num[33])
	assert.Equal(t, "normal", r.Label)
	assert.Equal(t, dataset.Normal, r.Category)
	assert.Equal(t, 21, r.Difficulty)
	assert.Equal(t, dataset.DoS, tab.Category(0))
	assert.True(t, errors.Is(errs.ErrFormat, errs.ErrFormat))
}

func TestReadTableStaysAppendable(t *testing.T) {
	tab, err := dataset.ReadNSLKDD(stringsReader(nslLine1+"\n"+nslLine2+"\n"), "a.txt")
	require.NoError(t, err)
	var r dataset.Row
	tab.Row(0, &r)
	r.Cat[2], r.Label, r.Category = "telnet", "normal", dataset.Normal
	require.NoError(t, tab.Append(&r))
	tab.Row(1, &r)
	require.NoError(t, tab.Append(&r))
	codes, levels := tab.Codes(2)
	assert.Equal(t, []int32{0, 1, 2, 1}, codes)
	assert.Equal(t, []string{"private", "ftp_data", "telnet"}, levels)
	assert.Equal(t, []string{"neptune", "normal", "normal", "normal"}, tab.Labels())
	assert.Len(t, tab.Numeric(0), 4)

	sub := tab.Subset([]int{3, 0})
	assert.Equal(t, "a.txt", sub.Source())
	assert.Equal(t, []string{"normal", "neptune"}, sub.Labels())
	assert.Equal(t, 2, sub.LoadReport().Rows)
}
