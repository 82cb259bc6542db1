package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// DatasetInfo describes the data of a run (the "dataset" object of -json).
type DatasetInfo struct {
	// Source says where the rows came from; synthetic data says so.
	Source    string `json:"source"`
	Synthetic bool   `json:"synthetic"`
	TrainFile string `json:"train_file"`
	TestFile  string `json:"test_file"`
	TrainRows int    `json:"train_rows"`
	TestRows  int    `json:"test_rows"`
	// TrainAttacks and TestAttacks count the attack rows.
	TrainAttacks int `json:"train_attacks"`
	TestAttacks  int `json:"test_attacks"`
	// TestCategories counts the test rows per category.
	TestCategories map[string]int `json:"test_categories"`
	// NovelLabels are the test attack names never seen in training, with
	// their row counts; NovelRows is their sum.
	NovelLabels map[string]int `json:"novel_labels"`
	NovelRows   int            `json:"novel_rows"`
	// Features is the preset and NumFeatures the encoded width.
	Features    string `json:"features"`
	NumFeatures int    `json:"num_features"`
	// CalibrationRows are the benign training rows held out (seeded) to
	// calibrate thresholds; no model is trained on them.
	CalibrationRows int `json:"calibration_rows"`
}

// presetSteps returns the steps of a feature preset by name.
func presetSteps(name string) ([]features.Step, error) {
	switch name {
	case "reference":
		return features.Reference(), nil
	case "standard":
		return features.Standard(), nil
	case "telecom":
		return features.Telecom(), nil
	}
	return nil, fmt.Errorf("-features %q: want reference, standard or telecom", name)
}

// load returns the training and test tables: synthetic traffic, files read
// from cfg.Data, or files downloaded with -fetch.
func load(ctx context.Context, cfg config, progress func(string, ...any)) (train, test *dataset.Table, info DatasetInfo, err error) {
	if cfg.Data == "" && !cfg.Fetch {
		nTrain, nTest := cfg.SynthTrain, cfg.SynthTest
		if nTrain == 0 {
			nTrain = 20000
		}
		if nTest == 0 {
			nTest = 10000
		}
		train, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: nTrain, Seed: cfg.Seed})
		if err != nil {
			return nil, nil, info, err
		}
		// The test traffic also holds attack families the training set
		// lacks, as KDDTest+ does.
		test, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: nTest, Seed: cfg.Seed + 1, Attacks: dataset.SyntheticAttacks()})
		if err != nil {
			return nil, nil, info, err
		}
		info.Source = "synthetic NSL-KDD-schema traffic (not NSL-KDD; use -data DIR or -fetch for the real files)"
		info.Synthetic = true
		info.TrainFile, info.TestFile = "synthetic (train)", "synthetic (test, with attack types absent from train)"
		return train, test, info, nil
	}

	dir := cfg.Data
	trainName, testName := cfg.Train, cfg.Test
	if cfg.Fetch {
		// The mirror holds the plain text files: fetch KDDTrain+.txt for
		// KDDTrain+.txt.gz.
		trainName = strings.TrimSuffix(filepath.Base(trainName), ".gz")
		testName = strings.TrimSuffix(filepath.Base(testName), ".gz")
		progress("fetching %s and %s (cached after the first run) …\n", trainName, testName)
		dir, err = dataset.FetchNSLKDD(ctx, dataset.FetchConfig{Dir: cfg.Data}, trainName, testName)
		if err != nil {
			return nil, nil, info, fmt.Errorf("-fetch: %w (offline? use -data DIR with the files, or no flag for synthetic data)", err)
		}
	}
	trainPath, testPath := resolve(dir, trainName), resolve(dir, testName)
	train, err = dataset.LoadNSLKDD(trainPath)
	if err != nil {
		return nil, nil, info, err
	}
	test, err = dataset.LoadNSLKDD(testPath)
	if err != nil {
		return nil, nil, info, err
	}
	info.Source = fmt.Sprintf("NSL-KDD: %s → %s (%s)", filepath.Base(trainPath), filepath.Base(testPath), dir)
	info.TrainFile, info.TestFile = filepath.Base(trainPath), filepath.Base(testPath)
	return train, test, info, nil
}

// resolve joins a bare file name to dir; a path is used as it is.
func resolve(dir, name string) string {
	if filepath.IsAbs(name) || strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/') {
		return name
	}
	return filepath.Join(dir, name)
}

// describe fills the row counts of info.
func describe(info *DatasetInfo, train, test *dataset.Table) {
	info.TrainRows, info.TestRows = train.Len(), test.Len()
	tc, sc := train.CategoryCounts(), test.CategoryCounts()
	info.TrainAttacks = train.Len() - tc[dataset.Normal]
	info.TestAttacks = test.Len() - sc[dataset.Normal]
	info.TestCategories = map[string]int{}
	for c, n := range sc {
		if n > 0 {
			info.TestCategories[dataset.Category(c).String()] = n
		}
	}
	info.NovelLabels = dataset.NovelLabels(train, test)
	info.NovelRows = 0
	for _, n := range info.NovelLabels {
		info.NovelRows += n
	}
}

// split holds the seeded partition of the training rows.
type split struct {
	benignFit []int // benign rows the Isolation Forest is trained on
	classFit  []int // rows (benign and attack) the Random Forest is trained on
	calib     []int // benign rows held out from both, for calibration
}

// splitTrain holds out a seeded fifth of the benign training rows for
// calibration: thresholds are chosen on rows no model saw, never on test
// data.
func splitTrain(t *dataset.Table, seed uint64) split {
	var s split
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for i := 0; i < t.Len(); i++ {
		if t.Category(i) != dataset.Normal {
			s.classFit = append(s.classFit, i)
			continue
		}
		if rng.Float64() < 0.2 {
			s.calib = append(s.calib, i)
			continue
		}
		s.benignFit = append(s.benignFit, i)
		s.classFit = append(s.classFit, i)
	}
	sort.Ints(s.classFit)
	return s
}

// rowsOf copies the rows idx (at least one) of X into a new matrix.
func rowsOf(X *mat.Dense, idx []int) *mat.Dense {
	_, c := X.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for k, i := range idx {
		out.SetRow(k, X.RawRowView(i))
	}
	return out
}
