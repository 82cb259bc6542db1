// Package iforest trains and scores Isolation Forests, the unsupervised anomaly
// detector of Liu, Ting and Zhou ("Isolation Forest", ICDM 2008, and
// "Isolation-Based Anomaly Detection", ACM TKDD 6(1), 2012), in pure Go, with
// the Extended Isolation Forest of Hariri, Kind and Brunner ("Extended
// Isolation Forest", IEEE TKDE 33(4), 2021; arXiv:1811.02141, 2018) as an
// option.
//
// # Using a forest
//
// Fit takes a gonum mat.Matrix of encoded rows (package features makes them
// from a dataset.Table; typically benign traffic only) and a Config whose zero
// value means the paper's and scikit-learn's defaults (100 trees, subsamples of
// 256 rows, classic axis-parallel splits); Config.Seed picks the forest (the
// zero seed is a seed like any other). Training is parallel and deterministic: the same seed gives the same
// forest, bit for bit, whatever the number of workers. Fit refuses empty or
// non-finite input with errors wrapping the sentinels of package anomaly.
//
// A fitted *Forest satisfies anomaly.Detector: Score returns the anomaly score
// s(x) in (0, 1] (higher is more anomalous; scikit-learn's score_samples is
// −s) and allocates nothing; ScoreBatch and ScoreMatrix score many rows over
// all cores; PathLength gives the mean path length behind the score. A
// threshold for a given contamination rate comes from package anomaly (see
// its threshold functions), or from a false-alarm budget on benign scores.
//
// Explain (anomaly.Explainer) writes each feature's exact TreeSHAP
// contribution to the expected path length: a shorter path is more anomalous,
// so NEGATIVE contributions push towards "anomalous" (package anomaly/bundle
// turns them round, so that every explanation a user sees is positive towards
// "attack"). Contributions gives the cheaper Local-DIFFI importances of the
// features that isolated the row. MarshalBinary and UnmarshalBinary save and
// load a forest in a versioned, checksummed format.
//
// A Forest is read-only once returned by Fit or filled by UnmarshalBinary,
// and safe for concurrent use by many goroutines.
//
// # How it scores
//
// An isolation tree splits a random subsample of ψ rows on a random feature
// at a value drawn uniformly between the feature's minimum and maximum in the
// node, until a row is alone or the height limit ceil(log2 ψ) is reached.
// Anomalies are few and different, so they are isolated close to the root.
// The anomaly score of a row x is
//
//	s(x) = 2^(−E[h(x)] / c(ψ))
//
// where h(x) is the path length of x in one tree (the depth of the leaf it
// reaches plus c(size of that leaf), the expected path length of the rows
// the height limit left unseparated), E the mean over the trees and
// c(n) = 2H(n−1) − 2(n−1)/n the average path length of an unsuccessful
// search in a binary search tree of n keys (H(i) ≈ ln i + γ; c(2) = 1,
// c(1) = 0). s is in (0, 1]: near 1 for a row isolated at once, 0.5 or less
// for a row as hard to isolate as a typical one. The figures match
// scikit-learn's IsolationForest, whose score_samples is −s.
//
// # How it explains
//
// The classic forest (Config.ExtensionLevel 0) keeps its trees in the shared
// flat layout of internal/tree (one output per node: the path length a leaf
// contributes; Cover = training rows that reached the node) and explains a
// row in two ways:
//   - Explain (anomaly.Explainer) is exact path-dependent TreeSHAP
//     (Lundberg et al., "From local explanations to global understanding
//     with explainable AI for trees", Nature Machine Intelligence 2, 2020;
//     evaluated by Linear TreeSHAP, Yu et al., NeurIPS 2022) of the
//     expected path length E[h(x)], with leaf value depth + c(leaf size) and
//     cover the subsample rows reaching each node, the formulation the shap
//     library uses for scikit-learn's IsolationForest. The contributions are
//     signed and add up, with the base value (the mean path length of the
//     training subsamples), to PathLength(x). A shorter path is more
//     anomalous, so NEGATIVE contributions push towards "anomalous".
//     ExplainApprox is the cheaper Saabas path attribution of the same
//     quantity.
//   - Contributions is the depth-weighted attribution of Local-DIFFI
//     (Carletti, Terzi and Susto, "Interpretable Anomaly Detection with
//     DIFFI", arXiv:2007.11117, 2020; Eng. Appl. of AI 119, 2023): it looks
//     only at x's own path in each tree, credits each split on it with
//     1/depth − 1/height limit (quick isolation weighs most), averages per
//     feature, and gives non-negative importances that rank features but
//     add up to nothing in particular. It is cheap (one walk per tree) and
//     always says which features isolated x; TreeSHAP instead compares x
//     with the training subsamples, so a typical row gets contributions of
//     both signs near zero, and a feature only counts if changing it would
//     change the expected path length.
//
// Extended trees split on random hyperplanes and keep their own flat arrays;
// they score but do not explain (TreeSHAP attributes a split to one
// feature).
//
// # Scoring kernels
//
// Scoring walks a packed copy of the classic trees (complete binary trees in
// heap order, one 64-bit word per node holding an order-preserving integer
// key of the threshold and the feature): exactly eight branch-free steps per
// tree. Score walks the row through eight trees at a time (16 on amd64),
// and a batch 24 rows through one tree at a time. On amd64 assembly kernels
// (kernel_amd64.s, generated by internal/kernelgen, and fill_amd64.s) take
// each step in five instructions (seven for the walks whose slot waits in
// the frame) and turn rows into keys two values at a time: about 1.6× the
// speed of the Go walk for a batch (BenchmarkPackedWalk), with the same
// results to the last bit; other architectures, and builds with the purego
// tag, use the Go walk. For the integer comparison to be exact, Fit moves
// each threshold by at most 2^9 ulps (a relative 10^−13) onto the keys'
// grid; forests that do not fit the packed layout (height limit above 8,
// more than 255 features, thresholds off the grid as in files written
// before, or trees converted from scikit-learn) are scored by the general
// walk, with the same results.
//
// Tree i draws its random numbers from a PCG source seeded with
// (Config.Seed, i), which is why the number of workers does not change the
// forest.
package iforest
