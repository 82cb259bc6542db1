"""scikit-learn's half of paired.sh: fits IsolationForest(n_estimators=100,
max_samples=256, random_state=0) on the normal rows of KDDTrain+_20Percent
and RandomForestClassifier(n_estimators=100, random_state=0) on all of them
(pandas get_dummies, the reference encoding), then for each line read from
stdin ("if", "rf1" or "rf2") prints the rows per second of score_samples or
predict_proba (n_jobs 1 or 2) on KDDTest+, median of 3 calls."""
import os, sys, time
import pandas as pd
from sklearn.ensemble import IsolationForest, RandomForestClassifier

D = os.environ['NSLKDD_DIR'] + '/'
cols = [l.split(',')[0] for l in open(D + 'Field_Names.csv').read().split('\n') if l.strip()]
names = cols + ['label', 'difficulty']
cat = ['protocol_type', 'service', 'flag']
tr = pd.read_csv(D + 'KDDTrain+_20Percent.txt', names=names)
te = pd.read_csv(D + 'KDDTest+.txt', names=names)
Xd = pd.get_dummies(tr[cols], columns=cat)
Xtr = Xd.values.astype(float)
Xte = pd.get_dummies(te[cols], columns=cat).reindex(columns=Xd.columns, fill_value=0).values.astype(float)
ytr = (tr.label != 'normal').values.astype(int)
ifo = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=1).fit(Xtr[ytr == 0])
rf = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(Xtr, ytr)


def rate(f):
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return len(Xte) / sorted(ts)[1]


print('ready', flush=True)
for line in sys.stdin:
    what = line.strip()
    if what == 'if':
        print(rate(lambda: ifo.score_samples(Xte)), flush=True)
    elif what in ('rf1', 'rf2'):
        rf.n_jobs = int(what[2])
        print(rate(lambda: rf.predict_proba(Xte)), flush=True)
    else:
        break
