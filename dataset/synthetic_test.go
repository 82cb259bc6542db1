package dataset_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

func TestSyntheticDeterministic(t *testing.T) {
	cfg := dataset.SyntheticConfig{Rows: 3000, Seed: 7}
	a, err := dataset.Synthetic(cfg)
	require.NoError(t, err)
	b, err := dataset.Synthetic(cfg)
	require.NoError(t, err)
	c, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 3000, Seed: 8})
	require.NoError(t, err)
	require.Equal(t, 3000, a.Len())
	var ra, rb dataset.Row
	same := true
	for i := 0; i < a.Len(); i++ {
		a.Row(i, &ra)
		b.Row(i, &rb)
		require.Equal(t, ra, rb, "row %d", i)
		c.Row(i, &rb)
		if ra.Label != rb.Label || ra.Num[4] != rb.Num[4] {
			same = false
		}
	}
	assert.False(t, same, "another seed gives another table")
	assert.True(t, strings.HasPrefix(a.Source(), "synthetic"), a.Source())
	assert.Contains(t, a.Source(), "not NSL-KDD")
}

func TestSyntheticComposition(t *testing.T) {
	tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 20000, AttackFraction: 0.4, Seed: 1})
	require.NoError(t, err)
	cc := tab.CategoryCounts()
	assert.Equal(t, 12000, cc[dataset.Normal])
	assert.Equal(t, 0, cc[dataset.Unknown])
	for c := dataset.DoS; c <= dataset.U2R; c++ {
		assert.Positive(t, cc[c], "category %v", c)
	}
	train := map[string]bool{}
	for _, n := range dataset.SyntheticTrainAttacks() {
		train[n] = true
	}
	for l := range tab.LabelCounts() {
		assert.True(t, l == "normal" || train[l], "label %q not a training attack", l)
		assert.NotEqual(t, dataset.Unknown, dataset.CategoryOf(l), "label %q is a real NSL-KDD name", l)
	}
	assert.Empty(t, tab.UnknownLabels())

	// Signatures.
	s := tab.Schema()
	col := func(name string) int { j := s.Index(name); require.GreaterOrEqual(t, j, 0, name); return j }
	flag, flagLevels := tab.Codes(col("flag"))
	svc, svcLevels := tab.Codes(col("service"))
	count, serr := tab.Numeric(col("count")), tab.Numeric(col("serror_rate"))
	rootShell := tab.Numeric(col("root_shell"))
	var neptune, neptuneS0, smurfEcr, smurf, u2r, u2rRoot, normalRej, normalN int
	for i, l := range tab.Labels() {
		switch {
		case l == "neptune":
			neptune++
			if f := flagLevels[flag[i]]; (f == "S0" && serr[i] > 0.5 || f == "REJ") && count[i] >= 40 {
				neptuneS0++
			}
		case l == "smurf":
			smurf++
			if svcLevels[svc[i]] == "ecr_i" {
				smurfEcr++
			}
		case tab.Category(i) == dataset.U2R:
			u2r++
			if rootShell[i] == 1 {
				u2rRoot++
			}
		case l == "normal":
			normalN++
			if f := flagLevels[flag[i]]; f == "REJ" || f == "S0" {
				normalRej++
			}
		}
	}
	require.Positive(t, neptune)
	assert.Greater(t, float64(neptuneS0)/float64(neptune), 0.9, "neptune: S0/REJ with a high count")
	assert.Equal(t, smurf, smurfEcr, "smurf: ICMP echo replies")
	assert.Greater(t, float64(u2rRoot)/float64(u2r), 0.4, "U2R: root shells")
	assert.Positive(t, normalRej, "some normal connections are rejected: not trivially separable")
	assert.Less(t, float64(normalRej)/float64(normalN), 0.05)

	for j, c := range s.Columns {
		if c.Kind != dataset.Numeric {
			continue
		}
		for i, v := range tab.Numeric(j) {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("row %d column %s: %v", i, c.Name, v)
			}
			if strings.HasSuffix(c.Name, "_rate") && v > 1 {
				t.Fatalf("row %d column %s: rate %v", i, c.Name, v)
			}
		}
	}
}

func TestSyntheticNovelFamilies(t *testing.T) {
	train, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 2000, Seed: 1})
	require.NoError(t, err)
	test, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 2000, Seed: 2,
		Attacks: []string{"neptune", "mscan", "saint", "apache2"}})
	require.NoError(t, err)
	novel := dataset.NovelLabels(train, test)
	assert.ElementsMatch(t, []string{"mscan", "saint", "apache2"}, keys(novel))
	total := 0
	for _, n := range novel {
		total += n
	}
	assert.Equal(t, test.Len()-test.LabelCounts()["normal"]-test.LabelCounts()["neptune"], total)

	none, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 100, AttackFraction: -1})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"normal": 100}, none.LabelCounts())
}

func TestSyntheticEveryAttack(t *testing.T) {
	names := dataset.SyntheticAttacks()
	assert.Len(t, names, 39, "every NSL-KDD attack name")
	for _, n := range names {
		tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 50, AttackFraction: 1, Attacks: []string{n}})
		require.NoError(t, err, n)
		assert.Equal(t, map[string]int{n: 50}, tab.LabelCounts())
	}
}

func TestSyntheticErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  dataset.SyntheticConfig
		is   error
	}{
		{"negative rows", dataset.SyntheticConfig{Rows: -1}, errs.ErrDimension},
		{"fraction above 1", dataset.SyntheticConfig{AttackFraction: 1.5}, errs.ErrDimension},
		{"NaN fraction", dataset.SyntheticConfig{AttackFraction: math.NaN()}, errs.ErrDimension},
		{"noise above 1", dataset.SyntheticConfig{Noise: 2}, errs.ErrDimension},
		{"unknown attack", dataset.SyntheticConfig{Attacks: []string{"teardrop", "stuxnet"}}, errs.ErrUnsupported},
		{"no attacks listed", dataset.SyntheticConfig{Attacks: []string{}}, errs.ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.Synthetic(tc.cfg)
			assert.ErrorIs(t, err, tc.is)
		})
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
