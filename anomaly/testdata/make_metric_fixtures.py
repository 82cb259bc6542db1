"""Writes metrics_sklearn.json: inputs with ties and scikit-learn's answers, for metrics_test.go.

Run from the repository root with Debian's scikit-learn:
    /usr/bin/python3 anomaly/testdata/make_metric_fixtures.py anomaly/testdata/metrics_sklearn.json

Each case holds integer labels y (1 = attack), scores, and roc_auc_score and average_precision_score;
"contamination" holds, for a few rates, the threshold and flag count of scikit-learn's
IsolationForest(contamination=rate) rule applied to the scores as -score_samples; cases with "curves": true also hold roc_curve(drop_intermediate=False) and precision_recall_curve.
The first roc_curve threshold is dropped: scikit-learn < 1.3 writes max(score) + 1 there, later versions
inf; netwarden writes +Inf.
"""
import json, sys
import numpy as np
import sklearn
from sklearn.metrics import roc_auc_score, average_precision_score, roc_curve, precision_recall_curve

rng = np.random.default_rng(20261124)
cases = []


def add(name, y, s, curves=False):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    c = dict(name=name, y=y.tolist(), scores=s.tolist(),
             roc_auc=float(roc_auc_score(y, s)), average_precision=float(average_precision_score(y, s)))
    # Rates such as 0.013 are where numpy's (100 * rate) / 100 differs from rate in the last bit.
    # IsolationForest(contamination=c) sets offset_ = np.percentile(score_samples, 100 * c) and flags
    # score_samples < offset_; with score = -score_samples that is score > -offset_.
    c["contamination"] = []
    for cont in (0.01, 0.013, 0.027, 0.054, 0.1, 0.112, 0.25, 0.5):
        offset = np.percentile(-s, 100.0 * cont)
        c["contamination"].append(dict(rate=cont, threshold=float(-offset), flagged=int((-s < offset).sum())))
    if curves:
        fpr, tpr, th = roc_curve(y, s, drop_intermediate=False)
        p, r, pth = precision_recall_curve(y, s)
        c.update(roc_fpr=fpr.tolist(), roc_tpr=tpr.tolist(), roc_thresholds=th[1:].tolist(),
                 pr_precision=p.tolist(), pr_recall=r.tolist(), pr_thresholds=pth.tolist())
    cases.append(c)


add("docs_example", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], curves=True)
add("perfect", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.8, 0.9], curves=True)
add("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.8])
add("all_equal_scores", [0, 1, 0, 1, 1, 0, 1], [0.5] * 7, curves=True)
add("two_ties", [0, 1, 1, 0, 1, 0], [1, 1, 2, 2, 3, 3], curves=True)
# Integer-valued scores with many ties.
n = 300
y = rng.integers(0, 2, n)
add("integers_0_to_5", y, rng.integers(0, 6, n) + y, curves=True)
n = 2000
y = (rng.random(n) < 0.3).astype(int)
add("integers_0_to_20_n2000", y, rng.integers(0, 21, n) + 3 * y)
# Repeated float scores (a probability of a 100-tree forest is a multiple of 0.01).
n = 3000
y = (rng.random(n) < 0.45).astype(int)
p = np.clip(0.35 * y + rng.normal(0.3, 0.2, n), 0, 1)
add("forest_probabilities_n3000", y, np.round(p * 100) / 100, curves=True)
# One class tiny.
n = 1000
y = np.zeros(n, int); y[rng.choice(n, 3, replace=False)] = 1
add("three_positives", y, rng.random(n) + 0.3 * y)
y = np.ones(n, int); y[rng.choice(n, 2, replace=False)] = 0
add("two_negatives", y, np.round(rng.random(n) * 10) / 10, curves=True)
add("one_positive", [0, 0, 0, 0, 1, 0, 0], [3, 1, 4, 1, 5, 9, 2])
# Random floats, no ties.
for n in (10, 500, 4000):
    y = (rng.random(n) < 0.5).astype(int)
    add(f"random_floats_n{n}", y, rng.normal(0, 1, n) + 0.8 * y, curves=(n == 10))
# Scores spanning magnitudes, negative values, ties at the top.
n = 800
y = (rng.random(n) < 0.2).astype(int)
s = np.exp(rng.normal(0, 3, n) + 2 * y) * np.where(rng.random(n) < 0.5, -1, 1)
s[:40] = s.max()
add("magnitudes_ties_at_top", y, s)

out = dict(sklearn=sklearn.__version__, numpy=np.__version__, cases=cases)
with open(sys.argv[1] if len(sys.argv) > 1 else "metrics_sklearn.json", "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(len(cases), "cases")
