package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// Data is what both halves run on: the Reference encoding of a training and a
// test table.
type Data struct {
	Source string
	Names  []string
	Train  *mat.Dense // every training row
	TrainY []float64  // 1 attack, 0 normal
	Normal *mat.Dense // the normal training rows (the Isolation Forest's)
	Test   *mat.Dense
	TestY  []float64
}

// The NSL-KDD files the benchmark reads.
const (
	trainFile = "KDDTrain+_20Percent.txt"
	testFile  = "KDDTest+.txt"
)

// loadData reads NSL-KDD from dir (synthetic traffic when dir is empty),
// keeps at most maxRows rows of each file when maxRows > 0, and encodes both
// with the Reference pipeline fitted on the training rows.
func loadData(ctx context.Context, dir string, maxRows int, seed uint64) (*Data, error) {
	var train, test *dataset.Table
	var source string
	if dir != "" {
		var err error
		if train, err = dataset.LoadNSLKDD(filepath.Join(dir, trainFile)); err != nil {
			return nil, err
		}
		if test, err = dataset.LoadNSLKDD(filepath.Join(dir, testFile)); err != nil {
			return nil, err
		}
		source = fmt.Sprintf("NSL-KDD %s → %s (%s)", trainFile, testFile, dir)
	} else {
		trainRows, testRows := 25000, 22500 // about NSL-KDD's sizes
		if maxRows > 0 {
			trainRows, testRows = min(trainRows, maxRows), min(testRows, maxRows)
		}
		var err error
		if train, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: trainRows, Seed: seed}); err != nil {
			return nil, err
		}
		// The test set also holds attack families never seen in training,
		// as KDDTest+ does.
		if test, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: testRows, Seed: seed + 1, Attacks: dataset.SyntheticAttacks()}); err != nil {
			return nil, err
		}
		source = "SYNTHETIC NSL-KDD-schema traffic (no -data or $NSLKDD_DIR; not NSL-KDD, figures are not comparable with real-data runs)"
	}
	if maxRows > 0 {
		cut := func(t *dataset.Table) *dataset.Table {
			if t.Len() <= maxRows {
				return t
			}
			// Every k-th row keeps the mix of the whole file.
			idx := make([]int, 0, maxRows)
			step := float64(t.Len()) / float64(maxRows)
			for i := range maxRows {
				idx = append(idx, int(float64(i)*step))
			}
			return t.Subset(idx)
		}
		if dir != "" {
			source += fmt.Sprintf(", %d evenly spaced rows of each file (-quick)", maxRows)
		}
		train, test = cut(train), cut(test)
	}

	pipe, err := features.Fit(ctx, train, features.Reference()...)
	if err != nil {
		return nil, err
	}
	d := &Data{Source: source, Names: pipe.Names()}
	if d.Train, err = pipe.TransformTable(ctx, train); err != nil {
		return nil, err
	}
	if d.Test, err = pipe.TransformTable(ctx, test); err != nil {
		return nil, err
	}
	d.TrainY, d.TestY = labels(train), labels(test)
	var normal []int
	for i := range train.Len() {
		if !train.IsAttack(i) {
			normal = append(normal, i)
		}
	}
	if len(normal) < 2 {
		return nil, fmt.Errorf("training data has %d normal rows: the Isolation Forest needs at least 2", len(normal))
	}
	if d.Normal, err = pipe.TransformTable(ctx, train.Subset(normal)); err != nil {
		return nil, err
	}
	source += fmt.Sprintf("; %d training rows (%d normal), %d test rows, %d features",
		train.Len(), len(normal), test.Len(), pipe.NumFeatures())
	d.Source = source
	return d, nil
}

func labels(t *dataset.Table) []float64 {
	y := make([]float64, t.Len())
	for i := range y {
		if t.IsAttack(i) {
			y[i] = 1
		}
	}
	return y
}

// findFixture returns name in the folder $XGBOOST_FIXTURES names (the
// shared XGBoost fixtures), or an error that says how to point at it.
func findFixture(name string) (string, error) {
	dir := os.Getenv("XGBOOST_FIXTURES")
	if dir == "" {
		return "", fmt.Errorf("XGBoost fixture %s: XGBOOST_FIXTURES is not set (set it to the folder of the XGBoost fixtures, or use -model)", name)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("XGBoost fixture %s: %w (XGBOOST_FIXTURES=%s; or use -model)", name, err, dir)
	}
	return p, nil
}

// readFeatureCSV reads a header row of names and rows of numbers, as the
// fixture's test_features.csv holds ("nan" is a missing value).
func readFeatureCSV(path string) (names []string, x *mat.Dense, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	names, err = r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	var vals []float64
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		for j, s := range rec {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: row %d, column %d: %w", path, rows+2, j+1, err)
			}
			vals = append(vals, v)
		}
		rows++
	}
	if rows == 0 {
		return nil, nil, fmt.Errorf("%s: no rows", path)
	}
	return names, mat.NewDense(rows, len(names), vals), nil
}

// tile repeats the rows of x until it has n rows.
func tile(x *mat.Dense, n int) *mat.Dense {
	r, c := x.Dims()
	out := mat.NewDense(n, c, nil)
	for i := range n {
		out.SetRow(i, x.RawRowView(i%r))
	}
	return out
}

// writeNPY writes a matrix (or, with cols < 0, a vector) of float64 in
// NumPy's .npy format, version 1.0, little-endian, C order: exact bits, no
// text round trip.
func writeNPY(path string, data []float64, rows, cols int) error {
	shape := fmt.Sprintf("(%d, %d)", rows, cols)
	if cols < 0 {
		shape = fmt.Sprintf("(%d,)", rows)
	}
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", shape)
	// Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	for range pad {
		header += " "
	}
	header += "\n"
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(w, binary.LittleEndian, uint16(len(header)))
	w.WriteString(header)
	var b [8]byte
	for _, v := range data {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeDense writes m with writeNPY.
func writeDense(path string, m *mat.Dense) error {
	r, c := m.Dims()
	raw := m.RawMatrix()
	if raw.Stride == c {
		return writeNPY(path, raw.Data[:r*c], r, c)
	}
	data := make([]float64, 0, r*c)
	for i := range r {
		data = append(data, m.RawRowView(i)...)
	}
	return writeNPY(path, data, r, c)
}

// readNPY reads a float64 .npy file written by numpy.save (version 1 or 2,
// little-endian, C order) and returns its values.
func readNPY(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("%s: not a .npy file", path)
	}
	var hlen, off int
	switch b[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("%s: truncated header", path)
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fmt.Errorf("%s: .npy version %d", path, b[6])
	}
	if off+hlen > len(b) {
		return nil, fmt.Errorf("%s: truncated header", path)
	}
	header := string(b[off : off+hlen])
	if !strings.Contains(header, "'descr': '<f8'") || !strings.Contains(header, "'fortran_order': False") {
		return nil, fmt.Errorf("%s: want little-endian float64 in C order, header %q", path, header)
	}
	body := b[off+hlen:]
	if len(body)%8 != 0 {
		return nil, fmt.Errorf("%s: %d bytes of data is not a whole number of float64", path, len(body))
	}
	out := make([]float64, len(body)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:]))
	}
	return out, nil
}
