package tree

import (
	"math"
	"testing"
)

// fuzzTree decodes bytes into a tree over m ≤ 8 features and a row: any
// input gives some tree (possibly one NewEnsemble rejects), so the fuzzer
// explores shapes, routing (NaN, ±Inf, categorical), zero and uneven covers.
func fuzzTree(data []byte) (t Tree, row []float64, m int) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	m = 1 + int(next()%8)
	outputs := 1 + int(next()%3)
	t.Outputs = outputs
	var add func(depth int, cover float64) int32
	add = func(depth int, cover float64) int32 {
		i := int32(len(t.Nodes))
		t.Nodes = append(t.Nodes, Node{Feature: -1})
		t.Cover = append(t.Cover, cover)
		t.Categories = append(t.Categories, nil)
		for k := 0; k < outputs; k++ {
			t.Values = append(t.Values, float64(int8(next()))/8)
		}
		b := next()
		if b&1 == 0 || depth >= 7 || len(data) == 0 {
			return i
		}
		n := Node{Feature: int32(next()) % int32(m)}
		switch th := next(); th {
		case 255:
			n.Threshold = math.Inf(1)
		case 254:
			n.Threshold = math.Inf(-1)
		default:
			n.Threshold = float64(th) / 16
		}
		if b&2 != 0 {
			n.Flags |= DefaultLeft
		}
		if b&4 != 0 {
			n.Flags |= Categorical
			t.Categories[i] = []uint64{uint64(next()) | uint64(next())<<8}
		}
		frac := float64(next()) / 255
		cl, cr := cover*frac, cover*(1-frac)
		if b&8 != 0 { // covers that do not add up
			cr *= 2
		}
		n.Left = add(depth+1, cl)
		n.Right = add(depth+1, cr)
		t.Nodes[i] = n
		return i
	}
	add(0, 1+float64(next()))
	row = make([]float64, m)
	for j := range row {
		switch b := next(); b {
		case 255:
			row[j] = math.NaN()
		case 254:
			row[j] = math.Inf(1)
		case 253:
			row[j] = math.Inf(-1)
		default:
			row[j] = float64(b) / 16
		}
	}
	return t, row, m
}

// FuzzExplain checks, on any tree the decoder builds, that NewEnsemble either
// refuses it with an error or explains it without a panic, and that both
// exact algorithms give the brute-force Shapley values and Saabas adds up.
func FuzzExplain(f *testing.F) {
	f.Add([]byte{3, 0, 1, 0, 1, 2, 40, 128, 5, 0, 9, 20, 0, 16, 7, 0, 32, 99, 12})
	f.Add([]byte{8, 2, 5, 1, 2, 3, 7, 3, 200, 4, 5, 9, 255, 60, 33, 1, 0, 13, 2, 254, 70, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255, 254, 253})
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, row, m := fuzzTree(data)
		trees := []Tree{tr}
		fast, err := NewEnsemble(trees, m, &Options{Method: Tables})
		if err != nil {
			return
		}
		slow, err := NewEnsemble(trees, m, &Options{Method: Leafwise})
		if err != nil {
			t.Fatalf("refused leaf by leaf only: %v", err)
		}
		lin, err := NewEnsemble(trees, m, nil)
		if err != nil {
			t.Fatalf("refused by Linear TreeSHAP only: %v", err)
		}
		w := [][]float64{make([]float64, tr.Outputs)}
		for k := range w[0] {
			w[0][k] = float64(k + 1)
		}
		want, wantBase := bruteShapley(trees, w, row, m)
		scale := 1.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
		for _, e := range []*Ensemble{fast, slow, lin} {
			x, err := e.Explainer(w)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]float64, m)
			base, err := x.Explain(row, dst)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(base-wantBase) > 1e-9*scale {
				t.Fatalf("base %v, want %v", base, wantBase)
			}
			for j := range want {
				if math.Abs(dst[j]-want[j]) > 1e-9*scale {
					t.Fatalf("feature %d: %v, want %v (all %v, want %v)", j, dst[j], want[j], dst, want)
				}
			}
			out, err := x.Value(row)
			if err != nil {
				t.Fatal(err)
			}
			base, err = x.ExplainApprox(row, dst)
			if err != nil {
				t.Fatal(err)
			}
			sum := base
			for _, v := range dst {
				sum += v
			}
			if math.Abs(sum-out) > 1e-9*math.Max(1, math.Abs(out)) {
				t.Fatalf("saabas: base %v + %v = %v, want %v", base, dst, sum, out)
			}
		}
	})
}
