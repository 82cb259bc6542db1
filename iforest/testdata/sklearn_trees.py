"""Writes sklearn_trees.bin and sklearn_trees.json, the fixture of
TestScoresMatchSklearnTrees: a scikit-learn IsolationForest's own trees
converted to iforest's binary format (see ../encoding.go), with rows and
scikit-learn's -score_samples for them. Scoring those trees in Go must give
scikit-learn's scores: it checks the path lengths, c(n), the normalisation
and the decoder against the reference implementation, independently of how
the trees were grown.

The data are float32-representable (scikit-learn's trees compare float32
features with float64 thresholds), so both sides take the same branches.
Run: /usr/bin/python3 sklearn_trees.py  (writes next to this script)
"""
import json, os, struct, zlib
import numpy as np, sklearn
from sklearn.ensemble import IsolationForest

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
d = 4
X = rng.standard_normal((600, d)).astype(np.float32).astype(np.float64)
X[:, 3] = np.round(X[:, 3])          # a feature with ties
X[:12] += 6                          # a few outliers in the training data
rows = np.vstack([X[:20], rng.standard_normal((30, d)) * 3]).astype(np.float32).astype(np.float64)
m = IsolationForest(n_estimators=12, max_samples=64, random_state=3).fit(X)
want = -m.score_samples(rows)


def c(n):
    if n <= 1:
        return 0.0
    if n == 2:
        return 1.0
    return 2.0 * (np.log(n - 1.0) + np.euler_gamma) - 2.0 * (n - 1.0) / n


payload = struct.pack('<5I', d, m.max_samples_, int(np.ceil(np.log2(max(m.max_samples_, 2)))), 0, len(m.estimators_))
payload += struct.pack('<I', 0)  # no names
for est in m.estimators_:
    t = est.tree_
    n = t.node_count
    depth = np.zeros(n, int)
    value = np.zeros(n)
    for i in range(n):  # preorder: parents first
        if t.children_left[i] >= 0:
            depth[t.children_left[i]] = depth[t.children_right[i]] = depth[i] + 1
    for i in reversed(range(n)):  # children first
        l, r = t.children_left[i], t.children_right[i]
        if l < 0:
            value[i] = depth[i] + c(t.n_node_samples[i])
        else:
            value[i] = (t.n_node_samples[l] * value[l] + t.n_node_samples[r] * value[r]) / t.n_node_samples[i]
    payload += struct.pack('<I', n)
    for i in range(n):
        l, r = int(t.children_left[i]), int(t.children_right[i])
        if l < 0:
            payload += struct.pack('<3i3d', -1, -1, -1, 0.0, value[i], float(t.n_node_samples[i]))
        else:
            # scikit-learn: x <= threshold goes left; the layout: x < Threshold.
            thr = np.nextafter(t.threshold[i], np.inf)
            payload += struct.pack('<3i3d', int(t.feature[i]), l, r, thr, value[i], float(t.n_node_samples[i]))
head = b'NWIFORST' + struct.pack('<HHI', 1, 0, len(payload))
body = head + payload
open(os.path.join(here, 'sklearn_trees.bin'), 'wb').write(body + struct.pack('<I', zlib.crc32(body) & 0xffffffff))
json.dump({'sklearn': sklearn.__version__, 'rows': rows.tolist(), 'scores': want.tolist(),
           'path_lengths': (-np.log2(want) * c(m.max_samples_)).tolist()},
          open(os.path.join(here, 'sklearn_trees.json'), 'w'))
print('trees', len(m.estimators_), 'nodes', sum(e.tree_.node_count for e in m.estimators_), 'bytes', len(body) + 4)
