// Package bundle saves and loads a complete detector in one file: the fitted
// feature pipeline (package features), the model (an Isolation Forest, a
// Random Forest, an XGBoost model, or an anomaly.Hybrid of a classifier and
// a novelty detector), its decision threshold and metadata (schema, training
// data, metrics at training time, library version, creation time).
//
// After Load, one call scores a raw record (a dataset.Row or the
// map[string]string a service receives): ScoreRow and ScoreRecord return the
// score and the decision without allocating; ExplainRow and ExplainRecord
// add the raw columns behind the score when the model can explain itself
// (anomaly.Explainer: exact TreeSHAP for every model a bundle holds),
// summing per-feature contributions back to the raw columns through the
// pipeline's Sources.
//
// A raw record that loaded at training scores: the pipeline keeps the
// loader's record-parsing policy (dataset.RecordPolicy: what an empty
// field, a missing-value token such as "NA", "NaN" and "Infinity" become)
// and ScoreRecord parses text with the loader's own code, matching keys
// as the loader cleans header names, so the keys of the file's own header
// (" Destination Port") and values such as " 12" or "Infinity" (under an
// Inf policy of Replace) score as they loaded. Bundle.Policy gives the
// policy to a service that reads CSV lines itself.
//
// Every result names the categorical columns that held a value not seen
// in training (Result.Unseen), and the bundle counts them per column
// (UnseenCounts), so that a service can show drift in its input.
//
// Every explanation is signed alike: a positive contribution pushes the
// score towards "attack", whatever the model (an Isolation Forest's path
// length contributions are negated for it), given per raw column.
// Result.Explained says which model (and, for a hybrid, which part: the
// classifier or the novelty detector) the values explain and their unit:
// probability of attack (Random Forest), log-odds of attack (XGBoost),
// or path length in edges, negated (Isolation Forest). The models' own
// Explain methods keep their documented conventions.
//
// An XGBoost model trained with categorical features (enable_categorical:
// partition splits on raw category codes) is fed from raw records by a
// pipeline of features.CategoricalCodes steps built from the model's code
// lists (xgboost.Model.CategoryCodes, or xgboost.ReadCategoryCodes for the
// list a training script wrote): every column as it is, the categorical ones
// as their codes, and a category unseen in training as a missing value,
// which takes each split's default direction as in XGBoost.
//
// # File format
//
// A bundle file is the magic "NWBUNDLE", a little-endian uint16 format
// version, the payload, and the SHA-256 of everything before it. The payload
// holds the metadata as JSON, the threshold, the pipeline's own versioned
// bytes, and the model as a kind byte followed by that model's own
// versioned bytes (iforest and forest MarshalBinary; an XGBoost model as the
// XGBoost JSON/UBJSON document it was read from). Loading runs no code: the
// kind selects one of a fixed list of decoders, each of which checks its
// own bytes, and no gob, plugin or reflection-driven decoding of interfaces
// is involved. A truncated file, a flipped byte (checksum) and a newer
// version are clear errors wrapping anomaly.ErrFormat, ErrChecksum and
// ErrVersion.
//
// A Bundle is read-only once built and safe for concurrent use (SetKey
// excepted, which must come before the bundle is shared).
package bundle
