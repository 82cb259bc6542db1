package anomaly

// Detector is the contract every model in netwarden satisfies: it scores one
// encoded row of features.
//
// Score returns a higher value for a more anomalous, more attack-like row; each
// implementation documents its range (a probability in [0, 1] for the
// classifiers, the Isolation Forest anomaly score in (0, 1], …). A row whose
// length is not NumFeatures is an error wrapping ErrDimension. Score must not
// allocate and must be safe for concurrent use by many goroutines on a fitted
// (read-only) model.
type Detector interface {
	Score(x []float64) (float64, error)
	NumFeatures() int
}

// Explainer is satisfied by models that can say why they scored a row.
//
// Explain writes one signed contribution per input feature into dst (which
// must have length NumFeatures) and returns the base value (the expected
// model output over the training data), so that base plus the sum of dst
// equals the model's raw output for x: the margin for XGBoost, the attack
// probability for Random Forest, the expected path length for Isolation
// Forest (each implementation says which). Explain must not allocate and
// must be safe for concurrent use.
type Explainer interface {
	Explain(x, dst []float64) (base float64, err error)
}
