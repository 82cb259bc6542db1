"""Small XGBoost models for what the shared fixtures do not cover: boosted and
plain random forests (num_parallel_tree > 1, XGBRFClassifier), dart with
several classes, multi-target regression, and every objective whose
prediction transform is known. Trained with the installed XGBoost (1.7.4, one
thread, seed 0) on the first 400 rows of the shared fixtures'
test_features.csv with synthetic labels; the golden outputs are XGBoost's own
predict(output_margin=True) and predict() on 50 rows (extra/input.csv).

Run from forest/xgboost/testdata:
    /usr/bin/python3 make_extra.py ../../../../shared/fixtures/xgboost extra
"""
import os, sys, json, numpy as np, xgboost as xgb

SRC, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
X = np.loadtxt(os.path.join(SRC, 'test_features.csv'), delimiter=',', skiprows=1)
names = open(os.path.join(SRC, 'columns.txt')).read().split()
Xtr, Xte = X[:400], X[400:450]
rng = np.random.default_rng(0)
score = np.log1p(Xtr[:, 1]) - 0.5 * np.log1p(Xtr[:, 2]) + 3 * Xtr[:, 25] + rng.normal(0, 0.5, 400)
ybin = (score > np.median(score)).astype(float)
ypos = np.exp(0.2 * (score - score.mean())) + 0.01          # positive targets
y3 = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(float)
np.savetxt(os.path.join(OUT, 'input.csv'), Xte, delimiter=',', fmt='%r', header=','.join(names), comments='')

def save(name, b, dtest, ubj=False):
    b.save_model(os.path.join(OUT, name + '.json'))
    if ubj:
        b.save_model(os.path.join(OUT, name + '.ubj'))
    m, p = b.predict(dtest, output_margin=True), b.predict(dtest)
    np.savetxt(os.path.join(OUT, name + '_margin.csv'), m.reshape(len(Xte), -1), delimiter=',', fmt='%r')
    np.savetxt(os.path.join(OUT, name + '_pred.csv'), p.reshape(len(Xte), -1), delimiter=',', fmt='%r')

base = dict(max_depth=3, eta=0.3, seed=0, nthread=1, tree_method='hist')
dte = xgb.DMatrix(Xte, feature_names=names)

def train(name, params, y, rounds, ubj=False, **kw):
    d = xgb.DMatrix(Xtr, label=y, feature_names=names, **kw)
    save(name, xgb.train(dict(base, **params), d, rounds), dte, ubj)

# Random forests.
rf = xgb.XGBRFClassifier(n_estimators=6, max_depth=3, subsample=0.8, colsample_bynode=0.8,
                         random_state=0, n_jobs=1, tree_method='hist')
rf.fit(Xtr, ybin)
save('rf', rf.get_booster(), xgb.DMatrix(Xte), ubj=True)
train('boosted_rf', dict(objective='binary:logistic', num_parallel_tree=3, subsample=0.8, colsample_bynode=0.8), ybin, 3, ubj=True)
train('multi_rf', dict(objective='multi:softprob', num_class=3, num_parallel_tree=2, subsample=0.8), y3, 2, ubj=True)
train('dart_multi', dict(objective='multi:softprob', num_class=3, booster='dart', rate_drop=0.3, skip_drop=0.0), y3, 4, ubj=True)
# Multi-target regression (one tree per target in 1.7).
train('multi_target', dict(objective='reg:squarederror'), np.stack([ybin, ypos], 1), 3, ubj=True)
# Objectives.
train('hinge', dict(objective='binary:hinge'), ybin, 3)
for obj in ['count:poisson', 'reg:gamma', 'reg:tweedie', 'reg:absoluteerror', 'reg:pseudohubererror',
            'reg:squaredlogerror']:
    train(obj.split(':')[1], dict(objective=obj), ypos, 3)
train('cox', dict(objective='survival:cox'), np.where(ybin > 0, ypos, -ypos), 3)
d = xgb.DMatrix(Xtr, feature_names=names)
d.set_float_info('label_lower_bound', ypos)
d.set_float_info('label_upper_bound', np.where(ybin > 0, ypos, np.inf))
save('aft', xgb.train(dict(base, objective='survival:aft'), d, 3), dte)
qid = np.repeat(np.arange(40), 10)
for obj in ['rank:pairwise', 'rank:ndcg', 'rank:map']:
    train(obj.split(':')[1], dict(objective=obj), ybin, 3, qid=qid)
print('ok', xgb.__version__)
