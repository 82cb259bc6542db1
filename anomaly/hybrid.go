package anomaly

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Part is a set of the parts of a Hybrid: the ones that flagged a row, or
// the one an explanation comes from.
type Part uint8

const (
	// PartClassifier is the supervised classifier of known attacks.
	PartClassifier Part = 1 << iota
	// PartNovelty is the novelty detector trained on benign traffic.
	PartNovelty
)

// String returns "none", "classifier", "novelty" or "classifier+novelty".
func (p Part) String() string {
	switch p {
	case 0:
		return "none"
	case PartClassifier:
		return "classifier"
	case PartNovelty:
		return "novelty"
	case PartClassifier | PartNovelty:
		return "classifier+novelty"
	}
	return fmt.Sprintf("Part(%d)", uint8(p))
}

// HybridThreshold is the Hybrid's own decision threshold: a row is an
// attack when Hybrid.Score >= HybridThreshold, exactly when one of the
// parts fires.
const HybridThreshold Threshold = 0.5

// Defaults of HybridConfig.
const (
	// DefaultBudget is one false alarm per 100 benign flows.
	DefaultBudget = 0.01
	// DefaultClassifierShare lets the classifier use at most half the
	// budget on its own.
	DefaultClassifierShare = 0.5
	// DefaultClassifierFloor keeps a probability classifier at or above
	// its own decision threshold.
	DefaultClassifierFloor = 0.5
)

// HybridConfig says how Calibrate sets a Hybrid's thresholds. Its zero
// value means the defaults.
type HybridConfig struct {
	// Budget is the false-alarm rate on benign traffic the hybrid may
	// spend, in (0, 1): 0.01 is "at most one alert per 100 benign flows".
	// Zero means DefaultBudget (0.01).
	Budget float64
	// ClassifierShare is the largest part of the budget the classifier
	// may use on its own, in [0, 1]. Zero means DefaultClassifierShare
	// (0.5); a negative value means none (the classifier then fires only
	// above every benign calibration score).
	ClassifierShare float64
	// ClassifierFloor is the lowest threshold calibration gives the
	// classifier. Zero means DefaultClassifierFloor (0.5, the classifier's
	// own decision threshold for a probability); a negative value removes
	// the floor, so the classifier's threshold can go as low as its share
	// of the budget allows.
	ClassifierFloor float64
	// Workers scores the calibration rows (Calibrate only); <= 0 means
	// GOMAXPROCS.
	Workers int
}

func (c HybridConfig) resolve() (budget, share, floor float64, err error) {
	budget, share, floor = c.Budget, c.ClassifierShare, c.ClassifierFloor
	for _, v := range []float64{budget, share, floor} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, 0, fmt.Errorf("anomaly: hybrid: config value %v: %w", v, ErrNaN)
		}
	}
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget <= 0 || budget >= 1 {
		return 0, 0, 0, fmt.Errorf("anomaly: hybrid: budget %v outside (0, 1)", budget)
	}
	switch {
	case share == 0:
		share = DefaultClassifierShare
	case share < 0:
		share = 0
	case share > 1:
		return 0, 0, 0, fmt.Errorf("anomaly: hybrid: classifier share %v above 1", share)
	}
	switch {
	case floor == 0:
		floor = DefaultClassifierFloor
	case floor < 0:
		floor = math.Inf(-1)
	}
	return budget, share, floor, nil
}

// HybridParams are a calibrated Hybrid's numbers: what a bundle saves
// beside the two models, and what NewHybrid takes back.
type HybridParams struct {
	// ClassifierThreshold: the classifier fires when its score >= it.
	ClassifierThreshold Threshold `json:"classifier_threshold"`
	// NoveltyThreshold: the novelty detector fires when its score >= it.
	NoveltyThreshold Threshold `json:"novelty_threshold"`
	// ClassifierScale and NoveltyScale (> 0) set how fast each part's
	// rescaled score moves away from 0.5 (see Hybrid.Score): the standard
	// deviation of the part's benign calibration scores.
	ClassifierScale float64 `json:"classifier_scale"`
	NoveltyScale    float64 `json:"novelty_scale"`
	// Budget is the false-alarm budget the thresholds were calibrated for
	// (information only; 0 if unknown).
	Budget float64 `json:"budget"`
	// CalibrationFPR is the false-alarm rate of the hybrid on its benign
	// calibration rows (at most Budget), and CalibrationRows their number.
	CalibrationFPR  float64 `json:"calibration_fpr"`
	CalibrationRows int     `json:"calibration_rows"`
}

// Hybrid is a detector of both known and novel attacks: a supervised
// classifier (a Random Forest or XGBoost model, scoring P(attack)) and a
// novelty detector trained on benign traffic only (an Isolation Forest).
// A row is an attack when either part's score reaches its threshold; Parts
// says which part fired, Explain explains with that part's own explainer.
//
// Supervised models find only the attacks they were trained on (17 attack
// types of KDDTest+ never occur in KDDTrain+); an anomaly detector finds the
// unfamiliar but is weaker on the familiar. Operators set a false-alarm
// budget rather than thresholds; Calibrate turns a budget into the two
// thresholds using benign traffic only.
//
// A Hybrid is read-only and safe for concurrent use when its parts are;
// Score allocates nothing when the parts do not.
type Hybrid struct {
	classifier, novelty Detector
	p                   HybridParams
}

// NewHybrid assembles a Hybrid from its two parts and calibrated
// parameters (as saved from Params). Both parts must take rows of the same
// length. Errors: a nil part (ErrNotFitted), parts of different widths
// (ErrDimension), a NaN threshold or a scale that is not a positive finite
// number.
func NewHybrid(classifier, novelty Detector, p HybridParams) (*Hybrid, error) {
	if classifier == nil || novelty == nil {
		return nil, fmt.Errorf("anomaly: hybrid: nil part: %w", ErrNotFitted)
	}
	if classifier.NumFeatures() != novelty.NumFeatures() {
		return nil, fmt.Errorf("anomaly: hybrid: classifier takes %d features, novelty detector %d: %w",
			classifier.NumFeatures(), novelty.NumFeatures(), ErrDimension)
	}
	if math.IsNaN(float64(p.ClassifierThreshold)) || math.IsNaN(float64(p.NoveltyThreshold)) {
		return nil, fmt.Errorf("anomaly: hybrid: NaN threshold: %w", ErrNaN)
	}
	for _, s := range []float64{p.ClassifierScale, p.NoveltyScale} {
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("anomaly: hybrid: scale %v is not a positive finite number", s)
		}
	}
	return &Hybrid{classifier: classifier, novelty: novelty, p: p}, nil
}

// constant is satisfied by models that can tell that they score every row
// alike (forest.Forest.Constant).
type constant interface{ Constant() bool }

// checkNotConstant refuses a classifier that scores every row alike (a
// forest trained on a single class): calibrating it would set a threshold
// that means nothing.
func checkNotConstant(classifier Detector) error {
	if c, ok := classifier.(constant); ok && c.Constant() {
		return fmt.Errorf("anomaly: hybrid: the classifier scores every row alike (trained on a single class?): "+
			"a classifier needs training rows of at least two classes: %w", ErrDimension)
	}
	return nil
}

// Calibrate scores benign rows with both parts (ScoreBatch, cfg.Workers)
// and sets the thresholds as CalibrateScores does. The rows must be benign
// traffic neither part was trained on: typically a held-out slice of the
// training set's normal rows, chosen by a seeded split the caller
// controls, left out of the novelty detector's and the classifier's
// training. Never calibrate on test data.
func Calibrate(ctx context.Context, classifier, novelty Detector, benign mat.Matrix, cfg HybridConfig) (*Hybrid, error) {
	if classifier == nil || novelty == nil {
		return nil, fmt.Errorf("anomaly: hybrid: nil part: %w", ErrNotFitted)
	}
	if err := checkNotConstant(classifier); err != nil {
		return nil, err
	}
	r, _ := benign.Dims()
	if r == 0 {
		return nil, fmt.Errorf("anomaly: hybrid: no benign calibration rows: %w", ErrEmpty)
	}
	cls, nov := make([]float64, r), make([]float64, r)
	if err := ScoreBatch(ctx, classifier, benign, cls, cfg.Workers); err != nil {
		return nil, fmt.Errorf("anomaly: hybrid: classifier: %w", err)
	}
	if err := ScoreBatch(ctx, novelty, benign, nov, cfg.Workers); err != nil {
		return nil, fmt.Errorf("anomaly: hybrid: novelty detector: %w", err)
	}
	return CalibrateScores(classifier, novelty, cls, nov, cfg)
}

// CalibrateScores builds a Hybrid whose false-alarm rate on the given
// benign rows is at most cfg.Budget. cls[i] and nov[i] are the
// classifier's and the novelty detector's scores of the same benign row i,
// a row neither part was trained on (the classifier's may instead be its
// out-of-bag score of that row).
//
// How the budget is split. With n rows, k = ⌊Budget·n⌋ alerts are allowed
// (as FPRThreshold counts them; ties never push the rate above the
// budget):
//
//  1. The classifier's threshold is the lowest that flags at most
//     ClassifierShare·k of the rows, raised to ClassifierFloor if below
//     it. With the defaults (share 0.5, floor 0.5) a forest keeps its
//     own decision threshold of 0.5 unless more than half the budget of
//     benign rows score above it, in which case the threshold rises.
//  2. The novelty threshold then spends what is left, jointly: it is the
//     lowest threshold at which the union of the two parts flags at most
//     k rows. Rows both parts flag are counted once, so the union's rate
//     on the calibration rows is as close to the budget as the ties
//     allow, not the sum of two shares.
//
// Why the floor. The classifier was trained on benign rows from the same
// distribution as the calibration rows, so on them its scores crowd at 0
// (a forest recognises the neighbourhood of its benign training traffic);
// the few benign rows between 0 and 0.5 say little about how benign traffic
// that drifts will score there. Lowering a supervised model below its own
// decision threshold buys more of the known attacks it already finds, paid
// with false alarms that calibration cannot see coming. The novelty
// detector's score, by contrast, models benign traffic itself, and the
// budget is best spent on what only it can find: the unfamiliar. Set
// ClassifierFloor negative to let the classifier go lower.
//
// What calibration assumes. The rate holds for benign traffic that looks
// like the calibration rows (exchangeable with them: the split-conformal
// argument of FPRThreshold). When benign traffic drifts (new services, a
// new site), the observed false-alarm rate moves away from the budget.
// NSL-KDD shows it: its test file comes from other weeks of the DARPA 1998
// capture than its training file, and a forest trained on KDDTrain+ that
// flags 0.05 % of held-out training normal rows at 0.5 flags 2.6 % of
// KDDTest+'s; at a 1 % budget the hybrid observes 2.8 % there, at 5 % it
// observes 6.8 %. Watch the observed rate (Report.FalsePositiveRate beside
// Params().Budget) and re-calibrate from a recent sample of traffic
// confirmed benign (for instance a window of flows whose alerts analysts
// closed as false, plus the unflagged flows of the same window), keeping
// the models; retrain the novelty detector when its benign scores shift as
// a whole, and the classifier when its own false alarms grow.
//
// Errors: lengths differ (ErrDimension), a classifier that scores every
// row alike, such as a forest trained on a single class (ErrDimension), no
// rows (ErrEmpty), a NaN or infinite score or config value (ErrNaN), a
// budget outside (0, 1), parts as for NewHybrid.
func CalibrateScores(classifier, novelty Detector, cls, nov []float64, cfg HybridConfig) (*Hybrid, error) {
	budget, share, floor, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if err := checkNotConstant(classifier); err != nil {
		return nil, err
	}
	if len(cls) != len(nov) {
		return nil, fmt.Errorf("anomaly: hybrid: %d classifier and %d novelty calibration scores: %w", len(cls), len(nov), ErrDimension)
	}
	n := len(cls)
	if n == 0 {
		return nil, fmt.Errorf("anomaly: hybrid: no benign calibration rows: %w", ErrEmpty)
	}
	if err := checkFinite("hybrid: classifier calibration", cls); err != nil {
		return nil, err
	}
	if err := checkFinite("hybrid: novelty calibration", nov); err != nil {
		return nil, err
	}
	desc := func(a, b float64) int { return cmp.Compare(b, a) }

	k := allowed(budget, n)
	sorted := slices.Clone(cls)
	slices.SortFunc(sorted, desc)
	tc := countThreshold(sorted, allowed(share*budget, n))
	if float64(tc) < floor {
		tc = Threshold(floor)
	}
	rest := sorted[:0] // reuse: novelty scores of rows the classifier passes
	for i, s := range cls {
		if !tc.Decide(s) {
			rest = append(rest, nov[i])
		}
	}
	flagged := n - len(rest)
	tn := Threshold(math.Inf(1))
	if len(rest) > 0 {
		slices.SortFunc(rest, desc)
		tn = countThreshold(rest, max(k-flagged, 0))
	}
	union := 0
	for i := range cls {
		if tc.Decide(cls[i]) || tn.Decide(nov[i]) {
			union++
		}
	}
	p := HybridParams{
		ClassifierThreshold: tc,
		NoveltyThreshold:    tn,
		ClassifierScale:     spread(cls),
		NoveltyScale:        spread(nov),
		Budget:              budget,
		CalibrationFPR:      float64(union) / float64(n),
		CalibrationRows:     n,
	}
	return NewHybrid(classifier, novelty, p)
}

// spread is the standard deviation of s, or 1 when it is zero.
func spread(s []float64) float64 {
	var mean float64
	for _, v := range s {
		mean += v
	}
	mean /= float64(len(s))
	var ss float64
	for _, v := range s {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(s)))
	if !(sd > 0) || math.IsInf(sd, 0) {
		return 1
	}
	return sd
}

// Classifier returns the supervised part.
func (h *Hybrid) Classifier() Detector { return h.classifier }

// Novelty returns the novelty detector.
func (h *Hybrid) Novelty() Detector { return h.novelty }

// Params returns the calibrated thresholds and scales.
func (h *Hybrid) Params() HybridParams { return h.p }

// NumFeatures returns the row length both parts take.
func (h *Hybrid) NumFeatures() int { return h.classifier.NumFeatures() }

// HybridScore is the detail of one row's hybrid score.
type HybridScore struct {
	// Score is the hybrid score (see Hybrid.Score).
	Score float64
	// Classifier and Novelty are the parts' own scores.
	Classifier, Novelty float64
	// Fired holds the parts whose score reached their threshold.
	Fired Part
	// Dominant is the part whose rescaled score is the hybrid score (the
	// classifier on a tie): the part that fired, or fired more strongly,
	// or came closest to firing.
	Dominant Part
}

// rescale maps a part's score s to [0, 1], with its threshold t at 0.5:
// the logistic function of (s - t)/scale, kept on the right side of 0.5 so
// that the rescaled score >= 0.5 exactly when s >= t.
func rescale(s float64, t Threshold, scale float64) float64 {
	r := 1 / (1 + math.Exp(-(s-float64(t))/scale))
	if t.Decide(s) {
		return max(r, 0.5)
	}
	return min(r, math.Nextafter(0.5, 0))
}

// Parts scores x with both parts and says which fired.
func (h *Hybrid) Parts(x []float64) (HybridScore, error) {
	c, err := h.classifier.Score(x)
	if err != nil {
		return HybridScore{}, fmt.Errorf("anomaly: hybrid: classifier: %w", err)
	}
	v, err := h.novelty.Score(x)
	if err != nil {
		return HybridScore{}, fmt.Errorf("anomaly: hybrid: novelty detector: %w", err)
	}
	hs := HybridScore{Classifier: c, Novelty: v}
	if h.p.ClassifierThreshold.Decide(c) {
		hs.Fired |= PartClassifier
	}
	if h.p.NoveltyThreshold.Decide(v) {
		hs.Fired |= PartNovelty
	}
	rc := rescale(c, h.p.ClassifierThreshold, h.p.ClassifierScale)
	rn := rescale(v, h.p.NoveltyThreshold, h.p.NoveltyScale)
	if rn > rc {
		hs.Score, hs.Dominant = rn, PartNovelty
	} else {
		hs.Score, hs.Dominant = rc, PartClassifier
	}
	return hs, nil
}

// Score returns the hybrid score of x, in [0, 1] and monotone in each
// part's score: the larger of the two parts' scores, each mapped through a
// logistic function centred on the part's threshold, σ((s − t)/scale), so
// that a part's threshold maps to 0.5. The row is an attack (some part
// fired) exactly when Score >= HybridThreshold (0.5). Errors are the
// parts' (a row of the wrong length wraps ErrDimension).
func (h *Hybrid) Score(x []float64) (float64, error) {
	hs, err := h.Parts(x)
	return hs.Score, err
}

// ScoreMatrix writes the hybrid score of each row of X into dst (one
// element per row), scoring each part over all cores with ScoreBatch (and
// so with the part's own BatchScorer when it has one). It gives the same
// scores as Score and satisfies BatchScorer; it allocates one float64 per
// row for the second part's scores.
func (h *Hybrid) ScoreMatrix(ctx context.Context, X mat.Matrix, dst []float64) error {
	if err := ScoreBatch(ctx, h.classifier, X, dst, 0); err != nil {
		return fmt.Errorf("anomaly: hybrid: classifier: %w", err)
	}
	nov := make([]float64, len(dst))
	if err := ScoreBatch(ctx, h.novelty, X, nov, 0); err != nil {
		return fmt.Errorf("anomaly: hybrid: novelty detector: %w", err)
	}
	for i, c := range dst {
		dst[i] = max(rescale(c, h.p.ClassifierThreshold, h.p.ClassifierScale),
			rescale(nov[i], h.p.NoveltyThreshold, h.p.NoveltyScale))
	}
	return nil
}

// Decide reports whether x is an attack and which parts fired.
func (h *Hybrid) Decide(x []float64) (attack bool, fired Part, err error) {
	hs, err := h.Parts(x)
	return hs.Fired != 0, hs.Fired, err
}

// Explain satisfies Explainer: it explains x with the dominant part's
// explainer (see HybridScore.Dominant) and returns that part's base value;
// the contributions are in that part's units (the attack probability for a
// Random Forest, the margin for XGBoost, the path length for an Isolation
// Forest). Use ExplainPart to learn which part it was. Errors wrapping
// ErrNoExplanation when that part cannot explain.
func (h *Hybrid) Explain(x, dst []float64) (float64, error) {
	_, base, err := h.ExplainPart(x, dst)
	return base, err
}

// ExplainPart is Explain that also returns the part explained.
func (h *Hybrid) ExplainPart(x, dst []float64) (Part, float64, error) {
	hs, err := h.Parts(x)
	if err != nil {
		return 0, 0, err
	}
	d := h.classifier
	if hs.Dominant == PartNovelty {
		d = h.novelty
	}
	e, ok := d.(Explainer)
	if !ok {
		return hs.Dominant, 0, fmt.Errorf("anomaly: hybrid: the %s part cannot explain its scores: %w", hs.Dominant, ErrNoExplanation)
	}
	base, err := e.Explain(x, dst)
	if err != nil {
		return hs.Dominant, 0, fmt.Errorf("anomaly: hybrid: %s: %w", hs.Dominant, err)
	}
	return hs.Dominant, base, nil
}
