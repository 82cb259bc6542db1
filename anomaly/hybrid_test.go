package anomaly_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
)

// The synthetic world of these tests, in two features: benign traffic is a
// standard normal cloud at the origin; the known attack, the one the
// classifier was trained on, is a cloud at (4, 4); the novel attack, which
// the classifier never saw, is a cloud at (-5, 3).

// linearClassifier is P(attack) = σ(3(x0 + x1 − 4)): it separates benign
// traffic from the known attack and scores the novel attack near 0.
type linearClassifier struct{}

func (linearClassifier) NumFeatures() int { return 2 }
func (linearClassifier) Score(x []float64) (float64, error) {
	if len(x) != 2 {
		return 0, anomaly.ErrDimension
	}
	return 1 / (1 + math.Exp(-3*(x[0]+x[1]-4))), nil
}

// Explain attributes the margin equally to both features.
func (linearClassifier) Explain(x, dst []float64) (float64, error) {
	dst[0], dst[1] = 3*x[0], 3*x[1]
	return -12, nil
}

// radialNovelty scores a row by its squared distance from the benign
// centre, r²/(1 + r²), a stand-in for an Isolation Forest trained on benign
// traffic.
type radialNovelty struct{}

func (radialNovelty) NumFeatures() int { return 2 }
func (radialNovelty) Score(x []float64) (float64, error) {
	if len(x) != 2 {
		return 0, anomaly.ErrDimension
	}
	r2 := x[0]*x[0] + x[1]*x[1]
	return r2 / (1 + r2), nil
}

func cloud(rng *rand.Rand, n int, cx, cy float64) *mat.Dense {
	X := mat.NewDense(n, 2, nil)
	for i := range n {
		X.Set(i, 0, cx+rng.NormFloat64())
		X.Set(i, 1, cy+rng.NormFloat64())
	}
	return X
}

func calibrated(t *testing.T, seed uint64, budget float64) *anomaly.Hybrid {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	h, err := anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, cloud(rng, 5000, 0, 0),
		anomaly.HybridConfig{Budget: budget})
	require.NoError(t, err)
	return h
}

func decideAll(t *testing.T, h *anomaly.Hybrid, X *mat.Dense) (attacks int, fired map[anomaly.Part]int) {
	t.Helper()
	fired = map[anomaly.Part]int{}
	r, _ := X.Dims()
	for i := range r {
		a, p, err := h.Decide(X.RawRowView(i))
		require.NoError(t, err)
		if a {
			attacks++
		}
		fired[p]++
	}
	return attacks, fired
}

func TestHybridCatchesNovelAttack(t *testing.T) {
	h := calibrated(t, 1, 0.01)
	rng := rand.New(rand.NewPCG(2, 2))

	novel := cloud(rng, 2000, -5, 3)
	n, fired := decideAll(t, h, novel)
	assert.GreaterOrEqual(t, n, 1980, "the novelty part catches the attack the classifier never saw")
	assert.Zero(t, fired[anomaly.PartClassifier]+fired[anomaly.PartClassifier|anomaly.PartNovelty],
		"the classifier does not fire on the novel attack")

	// The classifier alone misses it.
	miss := 0
	for i := range 2000 {
		p, _ := linearClassifier{}.Score(novel.RawRowView(i))
		if p < 0.5 {
			miss++
		}
	}
	assert.Equal(t, 2000, miss)

	known := cloud(rng, 2000, 4, 4)
	n, fired = decideAll(t, h, known)
	assert.GreaterOrEqual(t, n, 1990)
	assert.GreaterOrEqual(t, fired[anomaly.PartClassifier]+fired[anomaly.PartClassifier|anomaly.PartNovelty], 1990)
}

// TestHybridBudgetHoldsOnFreshBenign: calibrated on 5000 benign rows, the
// false-alarm rate on 50,000 fresh benign rows of the same distribution is
// the budget within sampling error, for several seeds and budgets.
func TestHybridBudgetHoldsOnFreshBenign(t *testing.T) {
	const ncal, nfresh = 5000, 50000
	for _, budget := range []float64{0.01, 0.05} {
		for seed := uint64(10); seed < 15; seed++ {
			h := calibrated(t, seed, budget)
			p := h.Params()
			assert.LessOrEqual(t, p.CalibrationFPR, budget)
			assert.Equal(t, ncal, p.CalibrationRows)
			assert.Equal(t, budget, p.Budget)
			fresh := cloud(rand.New(rand.NewPCG(seed, 3)), nfresh, 0, 0)
			n, _ := decideAll(t, h, fresh)
			rate := float64(n) / nfresh
			// Standard error of the calibrated quantile plus that of the estimate.
			se := math.Sqrt(budget*(1-budget)/ncal) + math.Sqrt(budget*(1-budget)/nfresh)
			assert.InDelta(t, budget, rate, 4*se, "budget %v seed %d: observed %v", budget, seed, rate)
		}
	}
}

func TestHybridScoreMatchesDecision(t *testing.T) {
	h := calibrated(t, 3, 0.05)
	p := h.Params()
	rng := rand.New(rand.NewPCG(4, 4))
	for range 5000 {
		x := []float64{rng.NormFloat64() * 3, rng.NormFloat64() * 3}
		hs, err := h.Parts(x)
		require.NoError(t, err)
		s, err := h.Score(x)
		require.NoError(t, err)
		assert.Equal(t, hs.Score, s)
		attack, fired, err := h.Decide(x)
		require.NoError(t, err)
		assert.Equal(t, attack, anomaly.HybridThreshold.Decide(s), "x=%v", x)
		assert.Equal(t, hs.Fired, fired)
		assert.Equal(t, p.ClassifierThreshold.Decide(hs.Classifier), fired&anomaly.PartClassifier != 0)
		assert.Equal(t, p.NoveltyThreshold.Decide(hs.Novelty), fired&anomaly.PartNovelty != 0)
		assert.True(t, s >= 0 && s <= 1, "score %v in [0, 1]", s)
	}
	// The score is exactly on the right side of 0.5 at a part's threshold.
	tn := float64(p.NoveltyThreshold)
	r := math.Sqrt(tn / (1 - tn)) // radialNovelty(r, 0) = tn, up to rounding
	for _, x := range [][]float64{{r, 0}, {math.Nextafter(r, 0), 0}, {math.Nextafter(r, 9), 0}} {
		attack, _, err := h.Decide(x)
		require.NoError(t, err)
		s, _ := h.Score(x)
		assert.Equal(t, attack, s >= 0.5, "x=%v score=%v", x, s)
	}
}

func TestHybridClassifierFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	benign := cloud(rng, 5000, 0, 0)
	// The default keeps the classifier at its own 0.5: benign rows almost
	// never score above it.
	h, err := anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, benign, anomaly.HybridConfig{Budget: 0.05})
	require.NoError(t, err)
	assert.Equal(t, anomaly.Threshold(0.5), h.Params().ClassifierThreshold)
	// Without the floor the classifier takes its share: 2.5 % of benign rows.
	h, err = anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, benign,
		anomaly.HybridConfig{Budget: 0.05, ClassifierFloor: -1})
	require.NoError(t, err)
	p := h.Params()
	assert.Less(t, float64(p.ClassifierThreshold), 0.5)
	cls := 0
	r, _ := benign.Dims()
	for i := range r {
		s, _ := linearClassifier{}.Score(benign.RawRowView(i))
		if p.ClassifierThreshold.Decide(s) {
			cls++
		}
	}
	assert.Equal(t, 125, cls)
	assert.InDelta(t, 0.05, p.CalibrationFPR, 0.0002, "the novelty part spends the rest jointly")
	// No share: the classifier fires only above every benign score.
	h, err = anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, benign,
		anomaly.HybridConfig{Budget: 0.05, ClassifierShare: -1, ClassifierFloor: -1})
	require.NoError(t, err)
	assert.Greater(t, float64(h.Params().ClassifierThreshold), 0.0)
	assert.InDelta(t, 0.05, h.Params().CalibrationFPR, 0.0002)
}

func TestHybridErrors(t *testing.T) {
	ok := anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.6, ClassifierScale: 1, NoveltyScale: 1}
	_, err := anomaly.NewHybrid(nil, radialNovelty{}, ok)
	assert.ErrorIs(t, err, anomaly.ErrNotFitted)
	_, err = anomaly.NewHybrid(linearClassifier{}, sumDetector{3}, ok)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	bad := ok
	bad.NoveltyScale = 0
	_, err = anomaly.NewHybrid(linearClassifier{}, radialNovelty{}, bad)
	assert.ErrorContains(t, err, "scale 0")
	bad = ok
	bad.ClassifierThreshold = anomaly.Threshold(math.NaN())
	_, err = anomaly.NewHybrid(linearClassifier{}, radialNovelty{}, bad)
	assert.ErrorIs(t, err, anomaly.ErrNaN)

	c, n := linearClassifier{}, radialNovelty{}
	tests := []struct {
		name     string
		cls, nov []float64
		cfg      anomaly.HybridConfig
		want     error
	}{
		{"lengths", []float64{1}, []float64{1, 2}, anomaly.HybridConfig{}, anomaly.ErrDimension},
		{"empty", nil, nil, anomaly.HybridConfig{}, anomaly.ErrEmpty},
		{"nan score", []float64{math.NaN()}, []float64{1}, anomaly.HybridConfig{}, anomaly.ErrNaN},
		{"nan budget", []float64{1}, []float64{1}, anomaly.HybridConfig{Budget: math.NaN()}, anomaly.ErrNaN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := anomaly.CalibrateScores(c, n, tt.cls, tt.nov, tt.cfg)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	_, err = anomaly.CalibrateScores(c, n, []float64{1}, []float64{1}, anomaly.HybridConfig{Budget: 1})
	assert.ErrorContains(t, err, "anomaly: hybrid: budget 1 outside (0, 1)")
	_, err = anomaly.CalibrateScores(c, n, []float64{1}, []float64{1}, anomaly.HybridConfig{ClassifierShare: 2})
	assert.ErrorContains(t, err, "share")
	_, err = anomaly.Calibrate(context.Background(), c, n, mat.NewDense(2, 3, nil), anomaly.HybridConfig{})
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, err = anomaly.Calibrate(context.Background(), c, n, &mat.Dense{}, anomaly.HybridConfig{})
	assert.ErrorIs(t, err, anomaly.ErrEmpty)

	h := calibrated(t, 6, 0.01)
	_, err = h.Score([]float64{1, 2, 3})
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, _, err = h.Decide(nil)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
}

func TestHybridExplainAndAccessors(t *testing.T) {
	h := calibrated(t, 7, 0.01)
	assert.Equal(t, 2, h.NumFeatures())
	assert.Equal(t, linearClassifier{}, h.Classifier())
	assert.Equal(t, radialNovelty{}, h.Novelty())
	var _ anomaly.Detector = h
	var _ anomaly.Explainer = h

	dst := make([]float64, 2)
	part, base, err := h.ExplainPart([]float64{5, 4}, dst)
	require.NoError(t, err)
	assert.Equal(t, anomaly.PartClassifier, part)
	assert.Equal(t, -12.0, base)
	assert.Equal(t, []float64{15, 12}, dst)

	part, _, err = h.ExplainPart([]float64{-5, 4}, dst)
	assert.Equal(t, anomaly.PartNovelty, part)
	assert.ErrorIs(t, err, anomaly.ErrNoExplanation)
	assert.EqualError(t, err, "anomaly: hybrid: the novelty part cannot explain its scores: netwarden: model cannot explain its scores")

	h2, err := anomaly.NewHybrid(h.Classifier(), h.Novelty(), h.Params())
	require.NoError(t, err)
	for _, x := range [][]float64{{0, 0}, {3, 3}, {-4, 4}} {
		a, _ := h.Score(x)
		b, _ := h2.Score(x)
		assert.Equal(t, a, b)
	}
	assert.Equal(t, "none", anomaly.Part(0).String())
	assert.Equal(t, "classifier+novelty", (anomaly.PartClassifier | anomaly.PartNovelty).String())
}

func TestHybridConcurrentAndAllocFree(t *testing.T) {
	h := calibrated(t, 8, 0.02)
	X := cloud(rand.New(rand.NewPCG(9, 9)), 4000, 1, 1)
	want := make([]float64, 4000)
	for i := range want {
		want[i], _ = h.Score(X.RawRowView(i))
	}
	var wg sync.WaitGroup
	got := make([][]float64, 4)
	for w := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[w] = make([]float64, 4000)
			_ = anomaly.ScoreBatch(context.Background(), h, X, got[w], 2)
		}()
	}
	wg.Wait()
	for w := range got {
		assert.Equal(t, want, got[w])
	}
	x := []float64{0.5, 0.5}
	allocs := testing.AllocsPerRun(100, func() { _, _ = h.Score(x) })
	assert.Zero(t, allocs)
}

func BenchmarkHybridScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	h, err := anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, cloud(rng, 2000, 0, 0), anomaly.HybridConfig{})
	if err != nil {
		b.Fatal(err)
	}
	x := []float64{0.3, 0.7}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = h.Score(x)
	}
}
