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
// Scoring takes the fastest of three copies of the trees that applies,
// all with the same results bit for bit: the plain walk of the flat nodes
// (any model, and rows with a missing value), the levels layout of shallow
// trees padded to complete ones (a branch-free walk, eight trees in lock
// step for one row), and on a CPU with AVX-512 the bit-vector layout of
// QuickScorer (Lucchese et al., "QuickScorer: a fast algorithm to rank
// documents with additive ensembles of regression trees", SIGIR 2015) for
// ScoreBatch, 16 rows a register. BenchmarkScoreOne and BenchmarkScoreBatch
// compare them with github.com/dmitryikh/leaves; examples/benchmark's
// xgb2code command with the Go code github.com/maxmind/xgb2code generates.
//
// github.com/dmitryikh/leaves reads only the pre-1.0 binary format and
// crashes the process (an unrecoverable out-of-memory) on anything else, so
// this package decodes every format itself; leaves appears only in a
// benchmark, fed a pre-1.0 binary written from the same model.
//
// Explanations are XGBoost's own: Model.Explain writes the exact TreeSHAP
// contribution of every feature to the margin (Lundberg et al., "From local
// explanations to global understanding with explainable AI for trees",
// Nature Machine Intelligence 2, 2020; evaluated by Linear TreeSHAP, Yu,
// Bai, Cai and Wang, NeurIPS 2022) and returns the bias, so that
// bias + Σ contributions = margin, equal to predict(pred_contribs=True) to
// 1e-5; ExplainApprox is Saabas path attribution (approx_contribs=True);
// gblinear's contributions are its linear terms. For a multi-class model
// Explain explains the normal class's margin negated (a positive value
// pushes towards "attack", as Score does) and ExplainClass the margin of any
// class. The explainers are prepared on the first explanation, not at load.
//
// A Model satisfies anomaly.Detector (Score is the attack probability, or
// 1 − P(normal) for multi-class models) and anomaly.Explainer, and is
// immutable and safe for concurrent use.
package xgboost
