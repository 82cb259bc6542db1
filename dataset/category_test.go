package dataset_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
)

// referenceMap is the category map of docs/reference/quality_reference.py,
// copied verbatim (TestCategoryMapMatchesReference checks the copy).
var referenceMap = map[string]string{
	"DoS":   "back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm",
	"Probe": "ipsweep nmap portsweep satan mscan saint",
	"R2L":   "ftp_write guess_passwd imap multihop phf spy warezclient warezmaster named sendmail snmpgetattack snmpguess worm xlock xsnoop httptunnel",
	"U2R":   "buffer_overflow loadmodule perl rootkit ps sqlattack xterm",
}

func TestCategoryOf(t *testing.T) {
	n := 0
	for cat, names := range referenceMap {
		for _, name := range strings.Fields(names) {
			n++
			assert.Equal(t, cat, dataset.CategoryOf(name).String(), name)
			assert.Equal(t, cat, dataset.CategoryOf(name+".").String(), name+".")
		}
	}
	assert.Equal(t, 39, n)
	tests := []struct {
		name string
		want dataset.Category
	}{
		{"normal", dataset.Normal}, {"normal.", dataset.Normal},
		{"", dataset.Unknown}, {".", dataset.Unknown}, {"Neptune", dataset.Unknown}, {"neptune..", dataset.Unknown},
		{"unknown", dataset.Unknown}, {"BENIGN", dataset.Unknown}, {"smurf ", dataset.Unknown},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, dataset.CategoryOf(tc.name), "%q", tc.name)
	}
	names := dataset.AttackNames()
	assert.Len(t, names, 40)
	assert.True(t, sort.StringsAreSorted(names))
}

func TestCategoryMapMatchesReference(t *testing.T) {
	py, err := os.ReadFile("../docs/reference/quality_reference.py")
	if err != nil {
		t.Fatal("reference script docs/reference/quality_reference.py: ", err)
	}
	for cat, names := range referenceMap {
		assert.Contains(t, string(py), "'"+cat+"': '"+names+"'")
	}
}

// Attack_Types.csv lists the training attacks; its lines end in a lone CR.
func TestCategoryMapMatchesAttackTypesCSV(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(nslDir(t), "Attack_Types.csv"))
	require.NoError(t, err)
	lines := strings.FieldsFunc(string(b), func(r rune) bool { return r == '\r' || r == '\n' })
	require.Len(t, lines, 24)
	for _, l := range lines {
		name, cat, ok := strings.Cut(l, ",")
		require.True(t, ok, l)
		if name == "unknown" {
			continue
		}
		want := map[string]dataset.Category{"normal": dataset.Normal, "dos": dataset.DoS, "probe": dataset.Probe,
			"r2l": dataset.R2L, "u2r": dataset.U2R}[cat]
		assert.Equal(t, want, dataset.CategoryOf(name), name)
	}
}

func TestNovelLabelsRealData(t *testing.T) {
	dir := nslDir(t)
	test := loadNSL(t, filepath.Join(dir, "KDDTest+.txt"))
	// The 17 attack names of KDDTest+ that KDDTrain+ lacks, with their
	// KDDTest+ counts (nslCounts); the 20 % training subset also lacks perl.
	want := map[string]int{}
	for _, n := range strings.Fields("apache2 mailbomb processtable udpstorm mscan saint httptunnel named sendmail snmpgetattack snmpguess worm xlock xsnoop ps sqlattack xterm") {
		want[n] = nslCounts["KDDTest+.txt"][n]
	}
	if !testing.Short() && !raceEnabled {
		train := loadNSL(t, filepath.Join(dir, "KDDTrain+.txt.gz"))
		assert.Equal(t, want, dataset.NovelLabels(train, test))
	}
	train20 := loadNSL(t, filepath.Join(dir, "KDDTrain+_20Percent.txt"))
	want["perl"] = nslCounts["KDDTest+.txt"]["perl"]
	assert.Equal(t, want, dataset.NovelLabels(train20, test))
	assert.Empty(t, dataset.NovelLabels(test, test))

	// The synthetic generator's training names are exactly the attacks of
	// the NSL-KDD training set.
	var trainNames []string
	for l := range nslCounts["KDDTrain+.txt.gz"] {
		if l != "normal" {
			trainNames = append(trainNames, l)
		}
	}
	sort.Strings(trainNames)
	assert.Equal(t, trainNames, dataset.SyntheticTrainAttacks())
}

// KDD'99 per-label counts, computed independently with
//
//	zcat FILE | awk -F, '{print $42}' | sort | uniq -c
var kdd99Counts = map[string]map[string]int{
	"kddcup.data_10_percent.gz": {"back": 2203, "buffer_overflow": 30, "ftp_write": 8, "guess_passwd": 53, "imap": 12, "ipsweep": 1247, "land": 21, "loadmodule": 9, "multihop": 7, "neptune": 107201, "nmap": 231, "normal": 97278, "perl": 3, "phf": 4, "pod": 264, "portsweep": 1040, "rootkit": 10, "satan": 1589, "smurf": 280790, "spy": 2, "teardrop": 979, "warezclient": 1020, "warezmaster": 20},
	"corrected.gz":              {"apache2": 794, "back": 1098, "buffer_overflow": 22, "ftp_write": 3, "guess_passwd": 4367, "httptunnel": 158, "imap": 1, "ipsweep": 306, "land": 9, "loadmodule": 2, "mailbomb": 5000, "mscan": 1053, "multihop": 18, "named": 17, "neptune": 58001, "nmap": 84, "normal": 60593, "perl": 2, "phf": 2, "pod": 87, "portsweep": 354, "processtable": 759, "ps": 16, "rootkit": 13, "saint": 736, "satan": 1633, "sendmail": 17, "smurf": 164091, "snmpgetattack": 7741, "snmpguess": 2406, "sqlattack": 2, "teardrop": 12, "udpstorm": 2, "warezmaster": 1602, "worm": 2, "xlock": 9, "xsnoop": 4, "xterm": 13},
}

var kdd99Rows = map[string]int{"kddcup.data_10_percent.gz": 494021, "corrected.gz": 311029}

// kdd99Dir returns $KDD99_DIR, else $NSLKDD_DIR/../kdd99 when it exists, or
// skips the test.
func kdd99Dir(t *testing.T) string {
	if d := os.Getenv("KDD99_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("NSLKDD_DIR"); d != "" {
		k := filepath.Join(d, "..", "kdd99")
		if fi, err := os.Stat(k); err == nil && fi.IsDir() {
			return k
		}
	}
	t.Skip("real-data test: set KDD99_DIR (or NSLKDD_DIR with a sibling kdd99 folder) to the folder holding kddcup.data_10_percent.gz and corrected.gz")
	return ""
}

func TestLoadKDD99RealData(t *testing.T) {
	skipSlow(t)
	dir := kdd99Dir(t)
	for name, want := range kdd99Counts {
		t.Run(name, func(t *testing.T) {
			tab, err := dataset.LoadKDD99(filepath.Join(dir, name))
			require.NoError(t, err)
			assert.Equal(t, kdd99Rows[name], tab.Len())
			assert.Equal(t, want, tab.LabelCounts())
			assert.Empty(t, tab.UnknownLabels())
			assert.Equal(t, -1, tab.Difficulty(0))
		})
	}
}
