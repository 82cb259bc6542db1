// Package features turns raw traffic records (dataset.Row, or the
// map[string]string a service receives) into the numeric rows the models
// score, the same way at training and at scoring time.
//
// # Design
//
// A Pipeline is an ordered list of Steps. Each Step is one transformer: it
// reads one or more raw columns of the schema, is fitted once on a
// dataset.Table, and then writes a fixed number of named outputs at a fixed
// offset of the caller's row. Numeric transforms over a column compose as a
// chain of Ops inside one Step (Numeric("src_bytes", Log1p, Standardize)
// takes log1p, then standardises the logged values, each Op fitted on the
// output of the one before), which covers every transform the notebook
// workflow needs without a graph of intermediate columns. The Step kinds are:
//
//   - Numeric, Select and Drop: numeric columns through an Op chain (Drop
//     keeps every numeric column but the ones named);
//   - Ratio: (a + s) / (max(b, 0) + s) of two columns, a safe denominator;
//   - Mean: the mean of several numeric columns (combined error rates);
//   - OneHot: one 0/1 output per level seen in training, sorted, with a
//     choice for unknown levels (ignore, error, or an "other" bucket), rare
//     levels folded into "other", and an optional value → group map (the
//     service → traffic-class map of the Telecom preset);
//   - Pseudonymize: a keyed HMAC-SHA-256 of an identifier column (IP address,
//     IMSI, MSISDN), hashed into a fixed number of one-hot buckets (feature
//     hashing, Weinberger et al. 2009), so that no raw identifier reaches a
//     model, a model file or a log;
//   - Codes: a categorical column as the code a model trained on categories
//     expects (XGBoost's enable_categorical partition splits), from the code
//     list the model was trained with, NaN for a category not in it, so that
//     the model's default direction treats it as missing.
//
// The set of kinds is closed on purpose: a Pipeline is saved as plain data
// (MarshalBinary: magic, version, payload, CRC-32) and loading one runs no
// code.
//
// Every output has a name people know (service=http, log1p(src_bytes),
// ratio(src_bytes,dst_bytes)) and the raw columns it came from
// (Pipeline.Sources), so that importances and explanations can be read, and
// summed back, per raw column. Affine scalers (Standardize, MinMax, Robust)
// do not change a name: they change units, not meaning.
//
// # Presets
//
// Reference reproduces the encoding of the scikit-learn reference (the 38
// numeric NSL-KDD columns as they are, then one-hot protocol_type, service
// and flag, levels sorted, unknown levels all zeros); Standard is the same
// with standard scaling of the numeric columns; Telecom adds the features a
// telecom security team reasons with (see Telecom); CategoricalCodes feeds a
// model trained on the raw columns with categorical features (every column
// as it is, the categorical ones as codes).
//
// # Concurrency
//
// A fitted Pipeline is read-only and safe for concurrent use by many
// goroutines, except SetKey, which must be called before the pipeline is
// shared. TransformRow and TransformRecord allocate nothing.
package features
