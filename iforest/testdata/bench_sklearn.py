"""scikit-learn's side of the iforest benchmarks, to run right after
`go test -bench . ./iforest/` on the same machine:

  NSLKDD_DIR=../../../shared/data/nsl-kdd /usr/bin/python3 bench_sklearn.py

Same data and encoding as ../shared/reference/sklearn_baseline.py (pandas
get_dummies fitted on KDDTrain+_20Percent, 118 columns), IsolationForest
(n_estimators=100, max_samples=256, random_state=0) fitted on the 13,449
normal rows. Prints the fit time (median of 5, one thread), score_samples
throughput on KDDTest+ (22,544 rows; median of 3; one thread, then two) and
the time of one score_samples call on one row (mean of 200 calls). Each
figure is given in wall-clock time and, in brackets, in the process's CPU
time (time.process_time), which a busy shared machine distorts less.
"""
import os, time
import numpy as np, pandas as pd, sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

D = os.environ['NSLKDD_DIR'] + '/'
cols = [l.split(',')[0] for l in open(D + 'Field_Names.csv').read().split('\n') if l.strip()]
names = cols + ['label', 'difficulty']
cat = ['protocol_type', 'service', 'flag']
tr = pd.read_csv(D + 'KDDTrain+_20Percent.txt', names=names)
te = pd.read_csv(D + 'KDDTest+.txt', names=names)
Xd = pd.get_dummies(tr[cols], columns=cat)
Xtr = Xd.values.astype(float)
Xte = pd.get_dummies(te[cols], columns=cat).reindex(columns=Xd.columns, fill_value=0).values.astype(float)
normal = Xtr[(tr.label == 'normal').values]
yte = (te.label != 'normal').values


def median_time(f, n):
    """Median wall-clock and CPU seconds of n calls of f."""
    ts, cs = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        f()
        ts.append(time.perf_counter() - t)
        cs.append(time.process_time() - c)
    return sorted(ts)[len(ts) // 2], sorted(cs)[len(cs) // 2]


print(f'scikit-learn {sklearn.__version__}, numpy {np.__version__}; train {normal.shape}, test {Xte.shape}')
fit, fitc = median_time(lambda: IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=1).fit(normal), 5)
print(f'fit (1 thread)                 {fit * 1e3:9.1f} ms      (cpu {fitc * 1e3:.1f} ms)')
for nj in (1, 2):
    m = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=nj).fit(normal)
    st, sc = median_time(lambda: m.score_samples(Xte), 3)
    print(f'score_samples, n_jobs={nj}        {len(Xte) / st:9.0f} rows/s  (cpu {len(Xte) / sc:.0f} rows/s)')
m = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=1).fit(normal)
print(f'ROC AUC (seed 0)               {roc_auc_score(yte, -m.score_samples(Xte)):9.4f}')
t, c = time.perf_counter(), time.process_time()
for i in range(200):
    m.score_samples(Xte[i:i + 1])
print(f'one row per call               {(time.perf_counter() - t) / 200 * 1e6:9.0f} µs      '
      f'(cpu {(time.process_time() - c) / 200 * 1e6:.0f} µs)')
