package demo

import (
	"github.com/netwarden/netwarden/anomaly/bundle"
)

// Explanation says what the contributions of a bundle's explanations
// (bundle.ExplainRow, ExplainRecord) are: which model made them, by which
// method, in which unit. Every example that shows an explanation (serve,
// stream, quickstart, nslkdd) shows it through the bundle, so that all of
// them speak one language: one contribution per raw column (the pipeline's
// outputs summed back to the column they came from), signed so that a
// positive value pushes the record towards "attack", listed largest in
// magnitude first.
type Explanation struct {
	// Model is the bundle's model kind ("isolation_forest", ...).
	Model string `json:"model"`
	// ModelName is the model's name for people ("Isolation Forest", ...).
	ModelName string `json:"-"`
	// Method is how the contributions were computed.
	Method string `json:"method"`
	// Per says what one contribution is of: "raw column" (the pipeline's
	// outputs summed back to the column they came from).
	Per string `json:"per"`
	// Unit is what one unit of contribution is.
	Unit string `json:"unit"`
	// Sign says which way a positive contribution pushes.
	Sign string `json:"sign"`
}

// Sign is the orientation of every user-facing contribution.
const Sign = `positive pushes towards "attack"`

// ExplanationOf describes the explanations of b's model, in the bundle's
// own words (bundle.Explained's units); a hybrid's explanation of one
// record is in the unit of the part that decided it (Result.Explained).
func ExplanationOf(b *bundle.Bundle) Explanation {
	e := Explanation{Model: b.Kind().String(), ModelName: b.Kind().String(), Method: "exact TreeSHAP", Per: "raw column", Sign: Sign}
	switch b.Kind() {
	case bundle.IsolationForest:
		e.ModelName = "Isolation Forest"
		e.Unit = bundle.UnitPathLength // a positive contribution isolated the record sooner
	case bundle.RandomForest:
		e.ModelName = "Random Forest"
		e.Unit = bundle.UnitProbability
	case bundle.XGBoost:
		e.ModelName = "XGBoost model"
		e.Unit = bundle.UnitLogOdds // XGBoost's pred_contribs
	case bundle.Hybrid:
		e.ModelName = "hybrid detector"
		e.Unit = "that of the part that decided the record (each result's explained.unit): the classifier's " + bundle.UnitProbability + " or " + bundle.UnitLogOdds + ", or the novelty detector's " + bundle.UnitPathLength
	default:
		e.Unit = "the model's raw output"
	}
	return e
}
