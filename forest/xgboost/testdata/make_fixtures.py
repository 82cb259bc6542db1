"""Small XGBoost models with XGBoost's own golden outputs, so that the
equality tests of forest/xgboost and internal/tree run in a fresh clone.

The models cover what the reader must get right: binary:logistic (few and
100 rounds), binary:logitraw, multi:softprob and multi:softmax, a base_score
of 0.3 with missing values (default directions), reg:squarederror,
reg:logistic, dart, gblinear, categorical (partition) splits, early stopping
(best_iteration in the attributes), a model of zero rounds and one whose
trees are single leaves. Each is saved as JSON, UBJSON and the legacy binary
(categorical: JSON and UBJSON only, the legacy binary cannot hold it;
binary_100: JSON only, to stay small).

The data are synthetic and seeded: 10 features in the shapes of flow
records (durations and byte counts, counters, a one-hot protocol, a rate),
integer and 0/1 columns included so that inputs equal to split conditions
occur. The labels come from a fixed nonlinear rule with noise.

Outputs, for the NROWS rows of test_features.csv (test_features_nan.csv for
missing_basescore, categorical_features.csv for categorical):
  NAME_margin.csv          predict(output_margin=True)
  NAME_pred.csv            predict()
  NAME_contribs.csv        predict(pred_contribs=True) (exact TreeSHAP)
  NAME_contribs_approx.csv predict(approx_contribs=True) (Saabas)
Contribution rows hold each feature then the bias, class after class.
early_stopping_* add the outputs of the iteration ranges (see below).

Run with the XGBoost of Debian's python3-xgboost (1.7.4), one thread, from
the repository root:
    /usr/bin/python3 forest/xgboost/testdata/make_fixtures.py forest/xgboost/testdata/xgb
"""
import json
import os
import sys

import numpy as np
import xgboost as xgb

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'xgb')
os.makedirs(OUT, exist_ok=True)
NTRAIN, NROWS = 800, 60
rng = np.random.default_rng(20240611)
NAMES = ['duration', 'src_bytes', 'dst_bytes', 'count', 'srv_count', 'failed_logins',
         'protocol=icmp', 'protocol=tcp', 'protocol=udp', 'serror_rate']


def features(n):
    proto = rng.integers(0, 3, n)
    X = np.empty((n, len(NAMES)))
    X[:, 0] = np.round(rng.exponential(2.0, n) * (rng.random(n) < 0.6), 3)
    X[:, 1] = np.round(np.exp(rng.normal(5, 2, n)))
    X[:, 2] = np.round(np.exp(rng.normal(4, 2.5, n)) * (rng.random(n) < 0.7))
    X[:, 3] = rng.poisson(20, n)
    X[:, 4] = rng.poisson(8, n)
    X[:, 5] = rng.poisson(0.3, n)
    for k in range(3):
        X[:, 6 + k] = (proto == k).astype(float)
    X[:, 9] = np.round(rng.beta(0.5, 2, n), 2)
    return X


def score(X):
    return (0.8 * np.log1p(X[:, 1]) - 0.6 * np.log1p(X[:, 2]) + 0.05 * X[:, 3]
            + 1.5 * X[:, 5] + 2.0 * X[:, 9] * X[:, 7] - 1.2 * X[:, 8] - 3.5
            + rng.normal(0, 0.7, len(X)))


Xtr, Xte = features(NTRAIN), features(NROWS)
s = score(Xtr)
ybin = (s > 0).astype(float)
y3 = np.digitize(s, np.quantile(s, [1 / 3, 2 / 3])).astype(float)
yreg = s


def nan_copy(X):
    Y = X.copy()
    Y[rng.random(X.shape) < 0.08] = np.nan
    return Y


XtrNaN, XteNaN = nan_copy(Xtr), nan_copy(Xte)


def write_features(path, X):
    with open(path, 'w') as f:
        f.write(','.join(NAMES) + '\n')
        for row in X:
            f.write(','.join('nan' if v != v else repr(float(v)) for v in row) + '\n')


write_features(os.path.join(OUT, 'test_features.csv'), Xte)
write_features(os.path.join(OUT, 'test_features_nan.csv'), XteNaN)
with open(os.path.join(OUT, 'columns.txt'), 'w') as f:
    f.write('\n'.join(NAMES) + '\n')


def savetxt(name, a):
    np.savetxt(os.path.join(OUT, name), np.asarray(a).reshape(NROWS, -1), delimiter=',', fmt='%.9g')


manifest = {'xgboost': xgb.__version__, 'rows': NROWS, 'features': NAMES, 'models': {}}


def save(name, b, dte, params, rounds, formats=('json', 'ubj', 'model'), contribs=True, approx=True):
    for ext in formats:
        b.save_model(os.path.join(OUT, name + '.' + ext))
    savetxt(name + '_margin.csv', b.predict(dte, output_margin=True))
    savetxt(name + '_pred.csv', b.predict(dte))
    if contribs:
        savetxt(name + '_contribs.csv', b.predict(dte, pred_contribs=True))
    if approx:
        savetxt(name + '_contribs_approx.csv', b.predict(dte, pred_contribs=True, approx_contribs=True))
    manifest['models'][name] = dict(params, rounds=rounds, formats=list(formats))


BASE = dict(nthread=1, seed=0, tree_method='hist')
dte = xgb.DMatrix(Xte, feature_names=NAMES)


def train(name, params, y, rounds, X=Xtr, test=dte, **kw):
    p = dict(BASE, **params)
    d = xgb.DMatrix(X, label=y, feature_names=NAMES)
    save(name, xgb.train(p, d, rounds), test, params, rounds, **kw)


train('binary_small', dict(objective='binary:logistic', max_depth=3), ybin, 5)
train('binary_100', dict(objective='binary:logistic', max_depth=2, eta=0.1), ybin, 100, formats=('json',))
train('binary_logitraw', dict(objective='binary:logitraw', max_depth=3), ybin, 8)
train('multi_softprob', dict(objective='multi:softprob', num_class=3, max_depth=3), y3, 6)
train('multi_softmax', dict(objective='multi:softmax', num_class=3, max_depth=3), y3, 4, contribs=False, approx=False)
train('missing_basescore', dict(objective='binary:logistic', base_score=0.3, tree_method='exact', max_depth=4), ybin, 8,
      X=XtrNaN, test=xgb.DMatrix(XteNaN, feature_names=NAMES))
train('reg_squarederror', dict(objective='reg:squarederror', max_depth=3), yreg, 8)
train('reg_logistic', dict(objective='reg:logistic', max_depth=3), ybin, 8)
train('dart', dict(objective='binary:logistic', booster='dart', rate_drop=0.2, skip_drop=0.3, max_depth=3), ybin, 8)
# gblinear on scaled inputs, as the shared fixtures do: x / scale.
scale = np.maximum(np.abs(Xtr).max(axis=0), 1)
np.savetxt(os.path.join(OUT, 'scale_gblinear.csv'), scale, fmt='%r')
train('gblinear', dict(objective='binary:logistic', booster='gblinear', eta=0.5), ybin, 10,
      X=Xtr / scale, test=xgb.DMatrix(Xte / scale, feature_names=NAMES), approx=False)
# Zero boosting rounds: XGBoost predicts base_score, and its contributions
# are the bias column alone (the base margin), every feature 0.
train('zero_trees', dict(objective='binary:logistic', base_score=0.2, max_depth=3), ybin, 0)
# Constant features: no split gains anything, every tree is a single leaf.
train('leaf_only', dict(objective='binary:logistic', max_depth=3), ybin, 9, X=np.ones_like(Xtr))

# Categorical (partition) splits on three categorical columns, codes as
# inputs, NaN for a category unseen in training.
import pandas as pd  # noqa: E402

CATS = {'proto': ['icmp', 'tcp', 'udp'], 'service': ['dns', 'ftp', 'http', 'smtp', 'ssh', 'telnet', 'other'],
        'flag': ['REJ', 'RSTO', 'S0', 'SF']}


def cat_frame(X, n):
    df = pd.DataFrame({'duration': X[:, 0], 'src_bytes': X[:, 1], 'count': X[:, 3], 'serror_rate': X[:, 9]})
    df['proto'] = pd.Categorical(np.array(CATS['proto'])[np.argmax(X[:, 6:9], axis=1)], categories=CATS['proto'])
    df['service'] = pd.Categorical(rng.choice(CATS['service'], n), categories=CATS['service'])
    df['flag'] = pd.Categorical(rng.choice(CATS['flag'], n, p=[0.2, 0.1, 0.2, 0.5]), categories=CATS['flag'])
    return df


Ctr, Cte = cat_frame(Xtr, NTRAIN), cat_frame(Xte, NROWS)
Cte.loc[::7, 'service'] = np.nan  # unseen categories reach the model as missing
ycat = y3.copy()
ycat[Ctr['service'].isin(['telnet', 'ftp']).values & (ycat == 0)] = 2
dcat = xgb.DMatrix(Ctr, label=ycat, enable_categorical=True)
pcat = dict(BASE, objective='multi:softprob', num_class=3, max_depth=4, max_cat_to_onehot=1)
bcat = xgb.train(pcat, dcat, 6)
dcte = xgb.DMatrix(Cte, enable_categorical=True)
save('categorical', bcat, dcte, dict(objective='multi:softprob', num_class=3, max_depth=4, max_cat_to_onehot=1), 6,
     formats=('json', 'ubj'), approx=False)
codes = Cte.copy()
for c in CATS:
    codes[c] = Cte[c].cat.codes.astype(float).replace(-1, np.nan)
with open(os.path.join(OUT, 'categorical_features.csv'), 'w') as f:
    f.write(','.join(codes.columns) + '\n')
    for row in codes.values:
        f.write(','.join('' if v != v else repr(float(v)) for v in row) + '\n')
with open(os.path.join(OUT, 'categorical_categories.json'), 'w') as f:
    json.dump(CATS, f, indent=1)

# Early stopping: XGBClassifier stops 5 rounds after the best validation
# log-loss and saves best_iteration in the learner's attributes.
# Booster.predict scores every tree; XGBClassifier.predict_proba only the
# rounds [0, best_iteration + 1). Outputs: _pred.csv and _margin.csv from
# Booster.predict (all trees); _proba.csv from predict_proba;
# _best_margin.csv from predict(iteration_range=(0, best + 1),
# output_margin=True); _range_margin.csv from iteration_range=(2, 5).
Xva, yva = features(300), None
yva = (score(Xva) > 0).astype(float)
clf = xgb.XGBClassifier(n_estimators=80, max_depth=3, learning_rate=0.5, early_stopping_rounds=5,
                        n_jobs=1, random_state=0, tree_method='hist', eval_metric='logloss')
clf.fit(Xtr, ybin, eval_set=[(Xva, yva)], verbose=False)
es = clf.get_booster()
es.feature_names = None
best = clf.best_iteration
assert 0 < best and best + 1 < es.num_boosted_rounds(), (best, es.num_boosted_rounds())
des = xgb.DMatrix(Xte)
save('early_stopping', es, des, dict(objective='binary:logistic', max_depth=3, learning_rate=0.5,
                                      early_stopping_rounds=5, best_iteration=best), es.num_boosted_rounds(),
     contribs=False, approx=False)
savetxt('early_stopping_proba.csv', clf.predict_proba(Xte))
savetxt('early_stopping_best_margin.csv', es.predict(des, iteration_range=(0, best + 1), output_margin=True))
savetxt('early_stopping_range_margin.csv', es.predict(des, iteration_range=(2, 5), output_margin=True))
manifest['early_stopping'] = {'best_iteration': best, 'rounds': es.num_boosted_rounds(),
                              'max_proba_difference': float(np.abs(clf.predict_proba(Xte)[:, 1] - es.predict(des)).max())}

with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print('wrote', OUT, 'best_iteration', best, 'of', es.num_boosted_rounds(),
      'max |predict_proba - predict|', manifest['early_stopping']['max_proba_difference'])
