// Package xgboost reads models trained by XGBoost (Chen & Guestrin, "XGBoost:
// A Scalable Tree Boosting System", KDD 2016) and scores them in pure Go, with
// no cgo, so that a model trained in a notebook or on Spark/Dask can score
// traffic in a Go service.
//
// It reads every format XGBoost writes: JSON (the default from 1.0), UBJSON
// (the default from 2.1) and the legacy binary format, with or without the
// "binf" magic of 1.x; boosters gbtree, dart and gblinear; numerical and
// categorical (partition) splits; boosted random forests
// (num_parallel_tree > 1, XGBRFClassifier); multi-target models with vector
// leaves; base_score in each of its encodings (a number before 3.1, an array
// per output from 3.1) with the objective's link; and every objective whose
// prediction transform is documented (see Model.Predict). Anything else, an
// unknown objective, booster, split type, feature type, or a format version
// newer than NewestVersion, is an error that names the field and the value
// found: the reader never returns a silently different prediction.
//
// Predictions match XGBoost's own to float32 rounding: each split compares
// the input as float32 against the float32 condition (stored as an exact
// float64 boundary in the flat layout of internal/tree), a NaN takes the
// node's default direction, a category code in a node's set goes right, and
// margins accumulate in float32 in tree order, as in XGBoost's CPU predictor.
//
// github.com/dmitryikh/leaves reads only the pre-1.0 binary format and
// crashes the process (an unrecoverable out-of-memory) on anything else, so
// this package decodes every format itself; leaves appears only in a
// benchmark, fed a pre-1.0 binary written from the same model.
//
// A Model satisfies anomaly.Detector (Score is the attack probability, or
// 1 − P(normal) for multi-class models) and is immutable and safe for
// concurrent use.
package xgboost
