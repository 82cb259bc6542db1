"""Times XGBoost's own pred_contribs / approx_contribs on the binary_100 fixture, one thread,
to compare in the same run with the public API,
`go test -run '^$' -bench '^BenchmarkExplain$' ./forest/xgboost/`, and with the engine's modes,
`go test -run '^$' -bench 'ExplainXGBoost' ./internal/tree/`.

Run: /usr/bin/python3 internal/tree/testdata/bench_xgb_contribs.py ../shared/fixtures/xgboost
Prints µs per row for a 500-row batch and for one row per call, as wall time and as the
process's CPU time (which is what matters on a shared machine).
"""
import os
import sys
import time

import numpy as np
import xgboost as xgb

d = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/xgboost"
X = np.loadtxt(os.path.join(d, "test_features.csv"), delimiter=",", skiprows=1, dtype=np.float32)
bst = xgb.Booster(model_file=os.path.join(d, "binary_100.json"))
bst.set_param({"nthread": 1})
print("xgboost", xgb.__version__, "rows", X.shape)
sys.stdout.flush()


def timeit(label, fn, rows):
    fn()  # warm up
    reps = 0
    w0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < 3:
        fn()
        reps += 1
    w, c = time.perf_counter() - w0, time.process_time() - c0
    print(f"{label}: {w / reps / rows * 1e6:.1f} µs/row wall, {c / reps / rows * 1e6:.1f} µs/row CPU")


names = bst.feature_names
batch = xgb.DMatrix(X, feature_names=names)
singles = [xgb.DMatrix(X[i : i + 1], feature_names=names) for i in range(len(X))]
for approx in (False, True):
    name = "approx_contribs" if approx else "pred_contribs"
    timeit(f"{name} batch of {len(X)}", lambda: bst.predict(batch, pred_contribs=True, approx_contribs=approx), len(X))
    k = [0]

    def one():
        bst.predict(singles[k[0] % len(singles)], pred_contribs=True, approx_contribs=approx)
        k[0] += 1

    timeit(f"{name} one row per call", one, 1)
