"""Reference values for features' scalers: scikit-learn's StandardScaler, MinMaxScaler and RobustScaler
fitted on the numeric columns of KDDTrain+_20Percent (and on log1p of them), printed as JSON.
Run: NSLKDD_DIR=/path/to/nsl-kdd /usr/bin/python3 sklearn_scalers.py > sklearn_scalers.json"""
import os, sys, json, numpy as np, pandas as pd
from sklearn.preprocessing import StandardScaler, MinMaxScaler, RobustScaler
D = os.environ['NSLKDD_DIR'] + '/'
cols = [l.split(',')[0] for l in open(D + 'Field_Names.csv').read().split('\n') if l.strip()]
tr = pd.read_csv(D + 'KDDTrain+_20Percent.txt', names=cols + ['label', 'difficulty'])
num = [c for c in cols if c not in ('protocol_type', 'service', 'flag')]
X = tr[num].values.astype(float)
out = {'columns': num}
for name, x in [('raw', X), ('log1p', np.log1p(X))]:
    s, m, r = StandardScaler().fit(x), MinMaxScaler().fit(x), RobustScaler().fit(x)
    out[name] = {
        'standardize': {'center': s.mean_.tolist(), 'scale': s.scale_.tolist()},
        'minmax': {'center': m.data_min_.tolist(), 'scale': (1 / m.scale_).tolist()},
        'robust': {'center': r.center_.tolist(), 'scale': r.scale_.tolist()},
    }
json.dump(out, sys.stdout, indent=1)
