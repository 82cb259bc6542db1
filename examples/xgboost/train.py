#!/usr/bin/python3
"""Train an XGBoost attack classifier on NSL-KDD and save it for the Go side.

This is the notebook half of examples/xgboost: how a team moves a model from
a notebook to a service. It trains on KDDTrain+_20Percent.txt with exactly the
encoding of ../shared/reference/sklearn_baseline.py (pandas.get_dummies of
protocol_type, service and flag after the 38 numeric columns, levels sorted,
test columns reindexed to the training ones), renames the one-hot columns from
pandas' "service_http" to netwarden's "service=http" (the names of
features.Reference()), and saves the booster WITH its feature names, as
XGBoost JSON and UBJSON. The Go side (main.go) checks those names against its
own pipeline before it scores anything, so a drift in the encoding is an error
naming the columns instead of silently wrong scores.

It is NOT run in CI (CI has no Python): the Go tests use the shared fixture
../shared/fixtures/xgboost/binary_100.json, which make_xgb_fixtures.py trained
the same way. Run it by hand with Debian's Python (python3-xgboost,
python3-pandas, python3-sklearn):

    NSLKDD_DIR=../shared/data/nsl-kdd /usr/bin/python3 examples/xgboost/train.py /tmp/nslkdd_xgb
    go run ./examples/xgboost -data ../shared/data/nsl-kdd -model /tmp/nslkdd_xgb.json

The argument is the output path without extension (default: nslkdd_xgb in the
current directory); it writes PATH.json, PATH.ubj and PATH_test_pred.csv (the
predicted attack probability of the first 1000 KDDTest+ rows, for comparing
with the Go scorer).
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost as xgb
from sklearn.metrics import accuracy_score, roc_auc_score

D = os.environ.get('NSLKDD_DIR', os.path.join('..', 'shared', 'data', 'nsl-kdd'))
OUT = sys.argv[1] if len(sys.argv) > 1 else 'nslkdd_xgb'
for ext in ('.json', '.ubj'):
    if OUT.endswith(ext):
        OUT = OUT[:-len(ext)]

# The reference encoding (sklearn_baseline.py), unchanged.
cols = [l.split(',')[0] for l in open(os.path.join(D, 'Field_Names.csv')).read().split('\n') if l.strip()]
names = cols + ['label', 'difficulty']
tr = pd.read_csv(os.path.join(D, 'KDDTrain+_20Percent.txt'), names=names)
te = pd.read_csv(os.path.join(D, 'KDDTest+.txt'), names=names)
cat = ['protocol_type', 'service', 'flag']


def enc(df):
    X = df.drop(columns=['label', 'difficulty'])
    return pd.get_dummies(X, columns=cat)


Xtr = enc(tr)
Xte = enc(te).reindex(columns=Xtr.columns, fill_value=0)
ytr = (tr.label != 'normal').astype(int).values
yte = (te.label != 'normal').astype(int).values


def netwarden_name(c):
    """pandas' "service_ftp_data" → netwarden's "service=ftp_data"."""
    for p in cat:
        if c.startswith(p + '_'):
            return p + '=' + c[len(p) + 1:]
    return c


feature_names = [netwarden_name(c) for c in Xtr.columns]
Xtr_v = Xtr.values.astype(float)
Xte_v = Xte.values.astype(float)
print(f'train {Xtr_v.shape}, test {Xte_v.shape}: {len(feature_names)} features')

# The reference's hyperparameters (sklearn_baseline.py), one thread so that
# the model is the same on every machine.
clf = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist',
                        random_state=0, n_jobs=1)
clf.fit(Xtr_v, ytr)
booster = clf.get_booster()
booster.feature_names = feature_names

p = booster.predict(xgb.DMatrix(Xte_v, feature_names=feature_names))
auc = roc_auc_score(yte, p)
acc = accuracy_score(yte, p >= 0.5)
print(f'KDDTest+: ROC AUC {auc:.4f}, accuracy {acc:.4f} at probability 0.5')

booster.save_model(OUT + '.json')
booster.save_model(OUT + '.ubj')
np.savetxt(OUT + '_test_pred.csv', p[:1000], fmt='%r')
meta = dict(train='KDDTrain+_20Percent.txt', test='KDDTest+.txt', features=len(feature_names),
            roc_auc=auc, accuracy=acc, xgboost=xgb.__version__, pandas=pd.__version__,
            sklearn=sklearn.__version__, numpy=np.__version__)
print(json.dumps(meta))
print(f'wrote {OUT}.json, {OUT}.ubj and {OUT}_test_pred.csv')
