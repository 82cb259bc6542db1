"""Train XGBoost on the matrices written by compare/main.go (one folder per encoding: standard, telecom)
and print ROC AUC, accuracy and F1 on KDDTest+ and KDDTest-21, with the reference settings:
XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist').
Run: /usr/bin/python3 xgb_compare.py /tmp/nw-compare"""
import json, os, sys
import numpy as np, xgboost as xgb
from sklearn.metrics import roc_auc_score, accuracy_score, f1_score

root = sys.argv[1]
def load(enc, name):
    meta = json.load(open(os.path.join(root, enc, name + '.json')))
    x = np.fromfile(os.path.join(root, enc, name + '.x.f64'), dtype='<f8').reshape(meta['rows'], meta['cols'])
    return x, np.array(meta['y'])
out = {'xgboost': xgb.__version__}
for enc in ['standard', 'telecom']:
    xtr, ytr = load(enc, 'train')
    res = {'features': xtr.shape[1]}
    m = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist', random_state=0, n_jobs=2).fit(xtr, ytr)
    for test in ['KDDTest+', 'KDDTest-21']:
        xte, yte = load(enc, test)
        p = m.predict_proba(xte)[:, 1]
        res[test] = dict(xgb_auc=roc_auc_score(yte, p), xgb_acc=accuracy_score(yte, p > 0.5), xgb_f1=f1_score(yte, p > 0.5))
    out[enc] = res
print(json.dumps(out, indent=1))
