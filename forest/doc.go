// Package forest trains and scores Random Forest classifiers (Breiman, "Random
// Forests", Machine Learning 45(1):5–32, 2001) with CART trees (Breiman,
// Friedman, Olshen and Stone, "Classification and Regression Trees", 1984), in
// pure Go, on a gonum mat.Matrix of encoded features and integer class labels.
//
// # Using a forest
//
// Fit takes the encoded rows (package features makes them from a dataset.Table),
// one class label per row and a Config whose zero value means scikit-learn's
// defaults (100 fully grown trees, √p features a split, Gini impurity, the exact
// splitter); Config.Seed picks the forest (the zero seed is a seed like any
// other). Training uses all cores and gives the same forest, bit for bit, for a seed whatever the number of
// workers. Fit refuses empty or non-finite input, a label count that does not
// match the rows, and a single class, with errors wrapping the sentinels of
// package anomaly.
//
// A fitted *Forest satisfies anomaly.Detector: Score returns the probability
// of the attack class (class 1 for a binary forest, 1 − P(normal class) for
// a multi-class one), and allocates nothing. Predict, PredictProba and
// PredictProbaBatch give the class and the class probabilities; ScoreMatrix
// (anomaly.BatchScorer) scores a whole matrix over all cores. OOBScore,
// Importances and PermutationImportance say how good the forest is and what
// it uses.
//
// Explain (anomaly.Explainer) writes each feature's exact TreeSHAP contribution
// to Score and returns the expected Score, so that base + Σ contributions =
// Score; a positive contribution pushes towards "attack". ExplainClass explains
// one class's probability; ExplainApprox and ExplainClassApprox are the cheaper
// Saabas path attribution. MarshalBinary and UnmarshalBinary save and load a
// forest in a versioned, checksummed format (package anomaly/bundle saves it
// with its pipeline and threshold in one file).
//
// A Forest is read-only once returned by Fit or filled by UnmarshalBinary,
// and safe for concurrent use by many goroutines.
//
// # How it is trained
//
// The algorithm follows scikit-learn's RandomForestClassifier (the reference
// implementation it is checked against on NSL-KDD): bootstrap samples used as
// integer sample weights, a fresh random subset of features at every node
// (by default √p, drawn without replacement, continuing past features that
// are constant in the node until a non-constant one was examined), Gini or
// entropy impurity, fully grown trees by default, and class probabilities
// averaged over the trees.
//
// Two split finders are provided. The exact splitter (the default) finds
// the same best split as scikit-learn's "best" splitter: it sorts the node's
// samples along each candidate feature (introsort with a three-way
// partition, as scikit-learn), except that a 0/1 column is counted in one
// pass over a bitset and a column with few distinct values (at most 4,096)
// in a node larger than that is counted per value, which give the same
// thresholds without sorting. Thresholds are scikit-learn's midpoints, and
// its x <= t is stored as x < math.Nextafter(t, +Inf), so test rows go the
// same way too. Single trees match scikit-learn's DecisionTreeClassifier
// node by node (testdata/sklearn_trees.py). The histogram splitter bins
// each feature once into at most 256 quantile bins (uint8 codes, as
// LightGBM and scikit-learn's HistGradientBoosting do) and scans bin
// histograms; it needs one byte per training value instead of eight and
// trains faster, but its thresholds are bin edges rather than midpoints
// between the node's values. Histogram subtraction (building the smaller
// child's histograms and subtracting them from the parent's) is not used:
// with √p features drawn afresh at each node, the parent's histograms for
// the child's features were mostly never built, and building all p of them
// to subtract costs more than building the √p needed.
//
// Exact is the default because it reproduces the reference splits. For two
// classes and whole sample weights (bootstrap counts without class
// weights, the default) it sums class weights in integers, which are exact
// and so give the same splits in any order: a 0/1 column with few ones in
// a node is counted through the node's ones only (each row's position in
// the tree's sample is kept up to date by the partition), and the
// partition is branch-free. On NSL-KDD (25,192 × 118) it then fits faster
// than the histogram splitter (see the package README).
//
// # How it explains
//
// Explain writes the exact path-dependent TreeSHAP contribution of every feature to Score
// (Lundberg et al., "From local explanations to global understanding with
// explainable AI for trees", Nature Machine Intelligence 2, 2020; as the
// shap library explains scikit-learn's forests: leaf class distributions,
// cover = bootstrap-weighted training counts) and returns the expected
// Score, so that base + Σ contributions = Score; a positive contribution
// pushes towards "attack". ExplainClass explains the probability of one
// class, and ExplainApprox and ExplainClassApprox are Saabas path
// attribution. The engine (internal/tree) evaluates TreeSHAP by Linear
// TreeSHAP (Yu, Bai, Cai and Wang, "Linear TreeSHAP", NeurIPS 2022), in
// O(nodes × depth) a tree, which suits deep, fully grown trees.
//
// # How it scores
//
// Fitted trees are stored in the shared flat layout of internal/tree (one
// Tree per estimator, Outputs = number of classes, Values = class
// distributions, Cover = weighted training counts). For scoring they are
// compiled into a second form: the two children of a node side by side, so
// that a step is left + [x ≥ threshold] without a branch, leaves that point
// to themselves, and thresholds and row values compared as order-preserving
// integer keys. One row (Score) walks eight trees in lock step, so that the
// CPU overlaps the eight walks' memory loads. A batch (ScoreMatrix,
// PredictProbaBatch) turns windows of up to 4,080 rows into keys, orders
// each window by the leaves its rows reach in the first three trees, so
// that neighbours take similar paths (order.go: 22% fewer lock-step rounds
// on NSL-KDD, TestOrderCutsRounds), and walks blocks of 24 rows through one tree at a time,
// eight in lock step, so that the tree stays in the L1 cache; on amd64
// assembly kernels (walk_amd64.s, fill_amd64.s) take a step in nine
// instructions and turn rows into keys two values at a time, about 2.1×
// the speed of the Go walk (BenchmarkBatchWalk). Scores are bit for bit
// those of a plain walk of the trees either way. Scoring one
// row allocates nothing; ScoreMatrix (anomaly.BatchScorer) spreads rows
// over all cores.
package forest
