// Package netwarden detects attacks and anomalies in network traffic, in
// pure Go. This root package holds only documentation and the complete,
// runnable example below; the work is done by its sub-packages, which
// import one another in one direction:
//
//   - dataset reads traffic into tables: NSL-KDD and KDD Cup 1999 files,
//     generic flow CSVs driven by a schema (CICFlowMeter exports, say), the
//     attack → category map, a cached, checksummed download, and a seeded
//     synthetic generator for working offline.
//   - features fits a serialisable pipeline (one-hot, scaling, log1p,
//     ratios, keyed pseudonymisation of identifiers, a telecom preset) that
//     turns a raw record into named model inputs without allocating.
//   - iforest (Isolation Forest, classic and extended), forest (Random
//     Forest) and forest/xgboost (models trained by XGBoost, in any format
//     it writes) score rows; all three share one flat tree layout, over
//     which they explain their scores with exact TreeSHAP.
//   - anomaly holds the Detector and Explainer contracts, metrics equal to
//     scikit-learn's, thresholds (contamination, false-alarm budget, cost),
//     the business-impact Report and the Hybrid detector that joins a
//     classifier and a novelty detector under one false-alarm budget.
//   - anomaly/bundle saves a pipeline, a model and its threshold in one
//     checksummed file that loads without running code, and scores raw
//     records with the columns behind each score.
//
// Every fitted model is read-only and safe for concurrent use; training is
// deterministic for a seed whatever the number of workers; bad input is an
// error (wrapping a sentinel of package anomaly, such as ErrDimension),
// never a panic.
package netwarden
