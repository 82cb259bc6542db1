package flow

import (
	"math/rand/v2"
	"testing"

	"github.com/netwarden/netwarden/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlowTableMatchesMap inserts and removes random keys, with few
// distinct ports so runs of colliding slots form, and checks every lookup
// against a Go map.
func TestFlowTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys int
		ops  int
	}{
		{"small", 50, 20_000},
		{"grows", 5_000, 60_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.keys)))
			tab := newFlowTable()
			var flows slab[flowState]
			model := map[fkey]int32{}
			var free []int32
			key := func() fkey {
				var k fkey
				k.a[15], k.b[15] = byte(rng.IntN(4)), byte(rng.IntN(4))
				k.pa, k.pb = uint16(rng.IntN(tc.keys)), 80
				k.proto = 6
				if rng.IntN(4) == 0 {
					k.tunnel, k.teid, k.oa[0] = 1, uint32(rng.IntN(3)), 9
				}
				return k
			}
			for range tc.ops {
				k := key()
				h := tab.hash(&k)
				got := tab.find(&k, h, &flows)
				want, ok := model[k]
				if !ok {
					want = -1
				}
				require.Equal(t, want, got, "find %+v", k)
				if ok {
					tab.remove(flows.at(got).hash, got)
					delete(model, k)
					free = append(free, got)
					continue
				}
				var idx int32
				if n := len(free); n > 0 {
					idx, free = free[n-1], free[:n-1]
				} else {
					idx = flows.grow()
				}
				*flows.at(idx) = flowState{key: k, hash: h}
				tab.insert(h, idx)
				model[k] = idx
			}
			assert.Equal(t, len(model), tab.n)
			for k, idx := range model {
				assert.Equal(t, idx, tab.find(&k, tab.hash(&k), &flows))
			}
			used := 0
			for _, s := range tab.slots {
				if s.idx != 0 {
					used++
				}
			}
			assert.Equal(t, len(model), used)
		})
	}
}

// TestMeterOutputIndependentOfHashKey meters one capture with meters whose
// flow tables draw different hash keys, small tables included (many
// collisions), and checks every record and CIC row is the same.
func TestMeterOutputIndependentOfHashKey(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 3, Sessions: 300, UEs: 20})
	for _, cfg := range []Config{{CIC: true}, {CIC: true, MaxFlows: 7}} {
		run := func() ([]Record, [][]float64) {
			var recs []Record
			var rows [][]float64
			var row dataset.Row
			m := NewMeter(cfg, func(f *Flow) {
				recs = append(recs, f.Record)
				require.NoError(t, CIC{}.Row(f, &row))
				rows = append(rows, append([]float64(nil), row.Num...))
			})
			c.Meter(m)
			return recs, rows
		}
		recs, rows := run()
		require.NotEmpty(t, recs)
		for range 3 {
			r2, rows2 := run()
			assert.Equal(t, recs, r2, "MaxFlows %d", cfg.MaxFlows)
			assert.Equal(t, rows, rows2, "MaxFlows %d", cfg.MaxFlows)
		}
	}
}
