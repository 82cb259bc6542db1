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
