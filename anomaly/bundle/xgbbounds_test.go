package bundle

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// tinyXGB is a one-tree binary:logistic model on two features, without
// feature names (so that any pipeline of two columns feeds it).
const tinyXGB = `{"learner":{"attributes":{},"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1"},` +
	`"tree_info":[0],"trees":[{"base_weights":[0.1,0.25,0.2,-0.5,1.5],"default_left":[1,0,0,0,0],"id":0,` +
	`"left_children":[1,-1,3,-1,-1],"right_children":[2,-1,4,-1,-1],"split_conditions":[0.5,0.25,3,-0.5,1.5],` +
	`"split_indices":[0,0,1,0,0],"split_type":[0,0,0,0,0],"sum_hessian":[10,4,6,3,3],"tree_param":{"num_nodes":"5","size_leaf_vector":"0"}}]},` +
	`"name":"gbtree"},"learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},` +
	`"objective":{"name":"binary:logistic"}},"version":[1,7,4]}`

// emptyTrees returns an XGBoost model of about n bytes whose trees are all
// empty objects, in JSON ("trees":[{},{},…]) or UBJSON ([{}{}…]).
func emptyTrees(n int, ubj bool) []byte {
	if !ubj {
		trees := strings.TrimSuffix(strings.Repeat("{},", n/3), ",")
		return []byte(`{"learner":{"gradient_booster":{"name":"gbtree","model":{"trees":[` + trees + `]}}},"version":[1,7,4]}`)
	}
	var b bytes.Buffer
	key := func(k string) {
		b.WriteByte('L')
		_ = binary.Write(&b, binary.BigEndian, int64(len(k)))
		b.WriteString(k)
	}
	b.WriteByte('{')
	key("learner")
	b.WriteByte('{')
	key("gradient_booster")
	b.WriteByte('{')
	key("model")
	b.WriteByte('{')
	key("trees")
	b.WriteByte('[')
	b.WriteString(strings.Repeat("{}", n/2))
	b.WriteString("]}}}}")
	return b.Bytes()
}

// craftedBundle returns a well-formed bundle (valid checksum) whose
// XGBoost part is model: what a hostile or damaged source could hand to
// Parse or Load.
func craftedBundle(t testing.TB, model []byte) []byte {
	t.Helper()
	s := dataset.Schema{Columns: []dataset.Column{{Name: "a", Kind: dataset.Numeric}, {Name: "b", Kind: dataset.Numeric}}}
	tab := dataset.NewTable(s)
	for i := range 20 {
		require.NoError(t, tab.Append(&dataset.Row{Num: []float64{float64(i), float64(i % 3)}, Cat: []string{"", ""}, Label: "normal"}))
	}
	p, err := features.Fit(context.Background(), tab, features.Select([]string{"a", "b"}))
	require.NoError(t, err)
	x, err := ParseXGBoost([]byte(tinyXGB))
	require.NoError(t, err)
	b, err := New(p, &XGBoostModel{Model: x.Model, src: model}, 0.5, Metadata{})
	require.NoError(t, err)
	data, err := b.MarshalBinary()
	require.NoError(t, err)
	return data
}

// TestXGBoostBundleBounded: a bundle holding an XGBoost model of empty
// trees (JSON and UBJSON, 64 KiB to 2 MiB) is refused by Parse and Load
// with the XGBoost reader's error, after allocating at most 4 times the
// bundle's size plus 128 KiB, in a number of allocations that does not
// grow with it.
func TestXGBoostBundleBounded(t *testing.T) {
	sizes := []int{64 << 10, 512 << 10, 2 << 20}
	if testing.Short() {
		sizes = sizes[:2]
	}
	dir := t.TempDir()
	for _, ubj := range []bool{false, true} {
		var counts []float64
		for _, n := range sizes {
			data := craftedBundle(t, emptyTrees(n, ubj))
			path := filepath.Join(dir, "crafted.nwb")
			require.NoError(t, os.WriteFile(path, data, 0o600))
			for name, read := range map[string]func() error{
				"Parse": func() error { _, err := Parse(data); return err },
				"Load":  func() error { _, err := Load(path); return err },
			} {
				var err error
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				err = read()
				runtime.ReadMemStats(&after)
				require.Error(t, err, name)
				assert.ErrorIs(t, err, anomaly.ErrFormat, name)
				assert.Contains(t, err.Error(), "xgboost: tree 0", name)
				alloc := after.TotalAlloc - before.TotalAlloc
				bound := 4*uint64(len(data)) + 128<<10
				if name == "Load" {
					bound += uint64(len(data)) // os.ReadFile's buffer
				}
				assert.LessOrEqual(t, alloc, bound, "%s of a %d-byte bundle (ubjson %v): %d bytes allocated", name, len(data), ubj, alloc)
				if name == "Parse" && !raceInternal { // the race detector's sync.Pool drops make counts meaningless
					counts = append(counts, testing.AllocsPerRun(1, func() { _ = read() }))
				}
			}
		}
		if len(counts) > 0 {
			assert.LessOrEqual(t, counts[len(counts)-1], counts[0]+16, "allocations grow with the bundle (ubjson %v): %v", ubj, counts)
		}
	}
}
