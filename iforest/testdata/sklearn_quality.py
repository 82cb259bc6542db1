"""scikit-learn's IsolationForest ROC AUC on NSL-KDD over 30 seeds (0-29), the
reference TestNSLKDDQuality compares iforest with at 30 seeds.

Why 30 seeds: on KDDTest-21 the AUC of one forest varies with the seed with a
standard deviation of about 0.02 (0.03 for the "all rows" variant), so a mean
over 5 seeds (../../../shared/reference/quality_reference.json) is itself
uncertain by about ±0.01 and cannot bound a difference of 0.01; a mean over
30 seeds is uncertain by about ±0.004.

Same encoding and models as ../shared/reference/quality_reference.py:
IsolationForest(n_estimators=100, max_samples=256, random_state=seed) on
KDDTrain+_20Percent (normal rows only, or all rows), score = -score_samples.
Run: NSLKDD_DIR=../../../shared/data/nsl-kdd /usr/bin/python3 sklearn_quality.py sklearn_quality.json
"""
import json, os, sys
import numpy as np, pandas as pd, sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

D = os.environ['NSLKDD_DIR'] + '/'
cols = [l.split(',')[0] for l in open(D + 'Field_Names.csv').read().split('\n') if l.strip()]
names = cols + ['label', 'difficulty']
cat = ['protocol_type', 'service', 'flag']
tr = pd.read_csv(D + 'KDDTrain+_20Percent.txt', names=names)
Xd = pd.get_dummies(tr[cols], columns=cat)
Xtr = Xd.values.astype(float)
normal = (tr.label == 'normal').values
seeds = list(range(30))
res = {'sklearn': sklearn.__version__, 'numpy': np.__version__, 'seeds': seeds}
tests = {}
for f in ['KDDTest+.txt', 'KDDTest-21.txt']:
    te = pd.read_csv(D + f, names=names)
    Xte = pd.get_dummies(te[cols], columns=cat).reindex(columns=Xd.columns, fill_value=0).values.astype(float)
    tests[f] = (Xte, (te.label != 'normal').values)
for variant, rows in [('normal', normal), ('all', slice(None))]:
    aucs = {f: [] for f in tests}
    for s in seeds:
        m = IsolationForest(n_estimators=100, max_samples=256, random_state=s, n_jobs=1).fit(Xtr[rows])
        for f, (Xte, y) in tests.items():
            aucs[f].append(float(roc_auc_score(y, -m.score_samples(Xte))))
    res[variant] = {f: {'mean': float(np.mean(a)), 'std': float(np.std(a)), 'mean_seeds_0_4': float(np.mean(a[:5])), 'roc_auc': a}
                    for f, a in aucs.items()}
    print(variant, {f: round(v['mean'], 4) for f, v in res[variant].items()}, flush=True)
json.dump(res, open(sys.argv[1], 'w'), indent=1)
