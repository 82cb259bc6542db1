"""Side-by-side speed of scikit-learn's RandomForestClassifier on the data of
forest's Go benchmarks (train KDDTrain+_20Percent, score KDDTest+, encoded as
../../../shared/reference/sklearn_baseline.py does). Run it right after

    NSLKDD_DIR=... go test -run '^$' -bench . -benchtime 3x ./forest/

on the same machine:

    NSLKDD_DIR=... /usr/bin/python3 forest/testdata/bench_sklearn.py

It prints wall-clock and CPU seconds (time.process_time), medians of 3 runs;
CPU seconds are less distorted on a machine shared with other jobs."""
import os, time, json, numpy as np, pandas as pd, sklearn
from sklearn.ensemble import RandomForestClassifier

D = os.environ.get('NSLKDD_DIR', '../shared/data/nsl-kdd') + '/'
cols = [l.split(',')[0] for l in open(D + 'Field_Names.csv').read().split('\n') if l.strip()]
names = cols + ['label', 'difficulty']
tr = pd.read_csv(D + 'KDDTrain+_20Percent.txt', names=names)
te = pd.read_csv(D + 'KDDTest+.txt', names=names)
cat = ['protocol_type', 'service', 'flag']
Xtr_df = pd.get_dummies(tr.drop(columns=['label', 'difficulty']), columns=cat)
Xte = pd.get_dummies(te.drop(columns=['label', 'difficulty']), columns=cat).reindex(columns=Xtr_df.columns, fill_value=0)
Xtr = Xtr_df.values.astype(float); Xte = Xte.values.astype(float)
ytr = (tr.label != 'normal').astype(int).values


def tm(f, n=3):
    w, c, r = [], [], None
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        r = f()
        w.append(time.perf_counter() - t0); c.append(time.process_time() - c0)
    return r, sorted(w)[n // 2], sorted(c)[n // 2]


res = {'sklearn': sklearn.__version__, 'train': list(Xtr.shape), 'test': list(Xte.shape)}
for nj in (1, 2):
    m, w, c = tm(lambda: RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=nj).fit(Xtr, ytr))
    res[f'fit_nj{nj}'] = {'wall_s': w, 'cpu_s': c}
    _, w, c = tm(lambda: m.predict_proba(Xte))
    res[f'predict_proba_nj{nj}'] = {'rows_per_s': len(Xte) / w, 'rows_per_cpu_s': len(Xte) / c}
m = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(Xtr, ytr)
t0, c0 = time.perf_counter(), time.process_time()
for i in range(200):
    m.predict_proba(Xte[i:i + 1])
res['one_row_us'] = {'wall': (time.perf_counter() - t0) / 200 * 1e6, 'cpu': (time.process_time() - c0) / 200 * 1e6}
print(json.dumps(res, indent=1))
