// Package anomaly holds netwarden's common contract and the tools that turn
// a model's scores into decisions and decisions into figures an operator
// can act on.
//
// # The contract
//
// Every model (iforest.Forest, forest.Forest, the XGBoost reader's models,
// and the Hybrid of this package) is a Detector: Score(x) rates one encoded
// row, higher meaning more attack-like. Models that can say why implement
// Explainer. The sentinel errors (ErrDimension, ErrNaN, ErrEmpty, …) are
// shared by every package; test for them with errors.Is.
//
// # Scoring many rows
//
// ScoreBatch scores the rows of a gonum matrix over all cores, with one row
// buffer per worker, and uses a detector's own BatchScorer method when it
// has one.
//
// # Thresholds
//
// A Threshold decides: score >= t is an attack. Three ways to choose one:
//
//   - ContaminationThreshold: flag a given fraction of the training scores,
//     exactly as scikit-learn's IsolationForest(contamination=…) does;
//   - FPRThreshold: at most a target false-positive rate on benign scores
//     (ties never push it above the target);
//   - CostThreshold: the lowest total cost on labelled validation scores
//     under a CostModel (a false alarm's cost, a missed attack's cost per
//     category; defaults from the KDD Cup 1999 cost matrix).
//
// # Metrics
//
// Confusion (accuracy, precision, recall, F1, false-positive rate), ROCAUC,
// AveragePrecision, ROCCurve and PRCurve equal scikit-learn's roc_auc_score,
// average_precision_score, roc_curve and precision_recall_curve to 1e-9,
// ties included (testdata/make_metric_fixtures.py writes the reference
// answers). Accuracy and ClassRecall serve multi-class labels.
//
// # The report
//
// NewReport turns scores, true categories (dataset.Category) and a threshold
// into a Report: detection rate per attack category (and of attack types
// never seen in training), false alarms per 10,000 benign flows, precision
// of the alerts, accuracy, F1, ROC and PR AUC, and the expected cost per
// million flows. It renders as text, Markdown and JSON.
//
// # The hybrid detector
//
// Hybrid joins a classifier of known attacks (a Random Forest or XGBoost
// model) and a novelty detector trained on benign traffic (an Isolation
// Forest): a row is an attack when either fires. Calibrate sets both
// thresholds from a false-alarm budget ("at most 1 alert per 100 benign
// flows") using held-out benign rows only.
//
// # Example
//
// A complete small run, with a stand-in detector (in practice a model from
// package iforest or forest, fitted on training data):
//
//	// Scores of held-out benign rows choose the threshold: at most 10 %
//	// false alarms.
//	benign := []float64{0.31, 0.35, 0.36, 0.40, 0.41, 0.42, 0.44, 0.47, 0.52, 0.60}
//	t, err := anomaly.FPRThreshold(benign, 0.10)
//	if err != nil {
//		return err
//	}
//	// Score the test rows over all cores.
//	scores := make([]float64, rows)
//	if err := anomaly.ScoreBatch(ctx, model, Xtest, scores, 0); err != nil {
//		return err
//	}
//	// What it means for the operator.
//	r, err := anomaly.NewReport(scores, testTable.Categories(), t, anomaly.ReportConfig{})
//	if err != nil {
//		return err
//	}
//	fmt.Print(r)
//
// The package example (Example in example_package_test.go) runs this end
// to end. All functions are safe for concurrent use; a Hybrid is read-only
// once built.
package anomaly
