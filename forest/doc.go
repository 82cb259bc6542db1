// Package forest implements Random Forest classification (Breiman, "Random
// Forests", Machine Learning 45(1):5–32, 2001) with CART trees (Breiman,
// Friedman, Olshen and Stone, "Classification and Regression Trees", 1984),
// trained in pure Go on a gonum mat.Matrix of encoded features and integer
// class labels.
//
// The algorithm follows scikit-learn's RandomForestClassifier (the reference
// implementation it is checked against on NSL-KDD): bootstrap samples used as
// integer sample weights, a fresh random subset of features at every node
// (by default √p, drawn without replacement, continuing past features that
// are constant in the node until a non-constant one was examined), Gini or
// entropy impurity, fully grown trees by default, and class probabilities
// averaged over the trees.
//
// Two split finders are provided. The exact splitter (the default) sorts the
// node's samples along each candidate feature, as scikit-learn does, and
// reproduces its thresholds; the histogram splitter bins each feature once
// into at most 256 quantile bins (uint8 codes, as LightGBM and scikit-learn's
// HistGradientBoosting do) and scans bin histograms instead of sorting.
//
// Fitted trees are stored in the shared flat layout of internal/tree (one
// Tree per estimator, Outputs = number of classes, Values = class
// distributions, Cover = weighted training counts), so scoring one row walks
// flat arrays and allocates nothing.
//
// A *Forest satisfies anomaly.Detector: Score returns the probability of the
// attack class (class 1 for a binary forest, 1 − P(normal class) for a
// multi-class one).
package forest
