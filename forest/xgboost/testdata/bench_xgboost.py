"""XGBoost's own prediction speed on binary_100 (100 trees, depth 6), for
comparison with `go test -bench . ./forest/xgboost`: the 500 fixture rows
tiled to 20,000 for batch scoring (inplace_predict and DMatrix + predict on 1
and 2 threads) and inplace_predict of one row per call.

Run from forest/xgboost: /usr/bin/python3 testdata/bench_xgboost.py
"""
import os, sys, time, numpy as np, xgboost as xgb

D = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'xgboost')
X = np.loadtxt(os.path.join(D, 'test_features.csv'), delimiter=',', skiprows=1)
names = open(os.path.join(D, 'columns.txt')).read().split()
big = np.tile(X, (40, 1))  # 20,000 rows

def best(f, reps):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return min(t)

print('xgboost', xgb.__version__)
for threads in (1, 2):
    b = xgb.Booster(model_file=os.path.join(D, 'binary_100.json'))
    b.set_param({'nthread': threads})
    b.inplace_predict(big)  # warm up
    s = best(lambda: b.inplace_predict(big), 5)
    print(f'inplace_predict batch threads={threads}: {len(big) / s:,.0f} rows/s')
    s = best(lambda: b.predict(xgb.DMatrix(big, nthread=threads, feature_names=names)), 5)
    print(f'DMatrix+predict batch threads={threads}: {len(big) / s:,.0f} rows/s')
b = xgb.Booster(model_file=os.path.join(D, 'binary_100.json'))
b.set_param({'nthread': 1})
rows = [X[i:i + 1] for i in range(len(X))]
for r in rows[:50]:
    b.inplace_predict(r)
s = best(lambda: [b.inplace_predict(r) for r in rows], 3)
print(f'inplace_predict one row: {s / len(rows) * 1e6:.1f} us/call ({len(rows) / s:,.0f} rows/s)')
