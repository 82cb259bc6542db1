#!/usr/bin/python3
"""Train an XGBoost attack classifier on NSL-KDD and save it for the Go side.

This is the notebook half of examples/xgboost: how a team moves a model from
Python to a Go service. It encodes the data exactly as features.Reference()
does in Go, and as pandas.get_dummies does in the scikit-learn reference: the
38 numeric columns as they are, in file order, then protocol_type, service and
flag one-hot, one column per level seen in training, levels sorted, a test
level unseen in training all zeros, columns named "service=http" (netwarden's
names, not pandas' "service_http"). It saves the booster WITH those feature
names, as XGBoost JSON and UBJSON. The Go side (main.go) checks the names
against its own pipeline before it scores anything, so a drift in the encoding
is an error naming the columns instead of silently wrong scores.

Two modes, both with Debian's Python (apt-get install python3-xgboost
python3-pandas, plus python3-sklearn for the first and python3-distributed for
the second):

One machine (the default): trains on KDDTrain+_20Percent.txt in memory with
xgboost.XGBClassifier.

    NSLKDD_DIR=/path/to/nsl-kdd /usr/bin/python3 examples/xgboost/train.py /tmp/nslkdd_xgb
    go run ./examples/xgboost -data /path/to/nsl-kdd -model /tmp/nslkdd_xgb.json

A Dask cluster: with --scheduler tcp://HOST:8786 it trains with xgboost.dask on
that cluster; with --local-cluster N it starts one on this machine first, as
on a real cluster: a `dask scheduler` process and N `dask worker` processes
(one thread each) on 127.0.0.1, stopped at the end. The training file
(--train, default KDDTrain+.txt.gz, or any NSL-KDD-format file) is read as a
dask.dataframe in partitions, one or more per worker; --sample F trains on a
seeded fraction F of it instead. The one-hot levels are computed on the
cluster (the distinct values of each categorical column), the partitions are
encoded where they lie, and xgboost.dask.train trains on them; then the
cluster's own xgboost.dask.predict scores every row of the test file. It
writes PATH.json, PATH.ubj, PATH_test_pred.csv (one probability a line, every
test row, in file order), PATH_meta.json (rows, workers, partitions, seconds,
the figures), and, with --sample, PATH_train.txt: the sampled training rows, on
which the Go side fits its pipeline so that both have the same one-hot levels.

    /usr/bin/python3 examples/xgboost/train.py --local-cluster 2 --sample 0.2 /tmp/dask_xgb
    go run ./examples/xgboost -data /path/to/nsl-kdd -train /tmp/dask_xgb_train.txt -model /tmp/dask_xgb.json

    dask scheduler --host 10.0.0.1                            # one host
    dask worker tcp://10.0.0.1:8786 --nthreads 4              # every other host
    /usr/bin/python3 examples/xgboost/train.py --scheduler tcp://10.0.0.1:8786 /tmp/dask_xgb

On a real cluster every worker must read the files at the same path
(NSLKDD_DIR or --train on a shared file system, or an s3:// or hdfs:// URL
that dask reads).

The positional argument is the output path without extension (default:
nslkdd_xgb in the current directory). The NSL-KDD folder is NSLKDD_DIR (or
--data); Field_Names.csv there names the columns.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

CAT = ['protocol_type', 'service', 'flag']


def netwarden_name(c):
    """pandas' "service_ftp_data" → netwarden's "service=ftp_data"."""
    for p in CAT:
        if c.startswith(p + '_'):
            return p + '=' + c[len(p) + 1:]
    return c


def columns(d):
    path = os.path.join(d, 'Field_Names.csv')
    if not os.path.exists(path):
        sys.exit(f'train.py: {path} is absent: the NSL-KDD folder (NSLKDD_DIR or --data) must hold '
                 'Field_Names.csv beside the data files (go run ./examples/nslkdd -fetch downloads them)')
    cols = [l.split(',')[0] for l in open(path).read().split('\n') if l.strip()]
    return cols + ['label', 'difficulty']


def single(args, d, out):
    """The single-machine mode: the scikit-learn reference, unchanged."""
    import pandas as pd
    import sklearn
    import xgboost as xgb
    from sklearn.metrics import accuracy_score, roc_auc_score

    names = columns(d)
    train = args.train or 'KDDTrain+_20Percent.txt'
    tr = pd.read_csv(os.path.join(d, train), names=names)
    te = pd.read_csv(os.path.join(d, args.test), names=names)

    def enc(df):
        return pd.get_dummies(df.drop(columns=['label', 'difficulty']), columns=CAT)

    Xtr = enc(tr)
    Xte = enc(te).reindex(columns=Xtr.columns, fill_value=0)
    ytr = (tr.label != 'normal').astype(int).values
    yte = (te.label != 'normal').astype(int).values
    feature_names = [netwarden_name(c) for c in Xtr.columns]
    Xtr_v = Xtr.values.astype(float)
    Xte_v = Xte.values.astype(float)
    print(f'train {Xtr_v.shape}, test {Xte_v.shape}: {len(feature_names)} features')

    # The reference's hyperparameters (sklearn_baseline.py), one thread so
    # that the model is the same on every machine.
    clf = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method='hist',
                            random_state=0, n_jobs=1)
    clf.fit(Xtr_v, ytr)
    booster = clf.get_booster()
    booster.feature_names = feature_names

    p = booster.predict(xgb.DMatrix(Xte_v, feature_names=feature_names))
    auc = roc_auc_score(yte, p)
    acc = accuracy_score(yte, p >= 0.5)
    print(f'{args.test}: ROC AUC {auc:.4f}, accuracy {acc:.4f} at probability 0.5')

    booster.save_model(out + '.json')
    booster.save_model(out + '.ubj')
    np.savetxt(out + '_test_pred.csv', p[:1000], fmt='%r')
    meta = dict(mode='single', train=train, test=args.test, features=len(feature_names),
                roc_auc=auc, accuracy=acc, xgboost=xgb.__version__, pandas=pd.__version__,
                sklearn=sklearn.__version__, numpy=np.__version__)
    print(json.dumps(meta))
    print(f'wrote {out}.json, {out}.ubj and {out}_test_pred.csv')


class LocalCluster:
    """A Dask scheduler and N workers as separate processes on 127.0.0.1,
    started with the same commands as on a real cluster."""

    def __init__(self, n):
        self.dir = tempfile.mkdtemp(prefix='netwarden-dask-')
        self.file = os.path.join(self.dir, 'scheduler.json')
        self.procs = []
        log = open(os.path.join(self.dir, 'cluster.log'), 'w')
        self.log = log
        py = sys.executable
        self.procs.append(subprocess.Popen(
            [py, '-m', 'distributed.cli.dask_scheduler', '--host', '127.0.0.1', '--port', '0',
             '--no-dashboard', '--scheduler-file', self.file,
             # A cluster whose train.py was killed ends by itself.
             '--idle-timeout', '300'], stdout=log, stderr=subprocess.STDOUT))
        deadline = time.time() + 60
        while not os.path.exists(self.file):
            if time.time() > deadline or self.procs[0].poll() is not None:
                self.close()
                sys.exit('train.py: the dask scheduler did not start; see ' + log.name)
            time.sleep(0.1)
        for i in range(n):
            self.procs.append(subprocess.Popen(
                [py, '-m', 'distributed.cli.dask_worker', '--scheduler-file', self.file,
                 '--host', '127.0.0.1', '--nthreads', '1', '--no-dashboard', '--name', f'worker-{i}',
                 '--death-timeout', '60',
                 '--local-directory', self.dir], stdout=log, stderr=subprocess.STDOUT))

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def distributed_mode(args, d, out):
    import dask
    import dask.dataframe as dd
    import pandas as pd
    import xgboost as xgb
    from distributed import Client

    t0 = time.time()
    cluster = None
    if args.local_cluster:
        cluster = LocalCluster(args.local_cluster)
        client = Client(scheduler_file=cluster.file, timeout=60)
        client.wait_for_workers(args.local_cluster, timeout=120)
        where = f'a local cluster: 1 dask scheduler and {args.local_cluster} dask worker processes on 127.0.0.1'
    else:
        client = Client(args.scheduler, timeout=60)
        where = f'the cluster at {args.scheduler}'
    try:
        workers = len(client.scheduler_info()['workers'])
        print(f'dask: {where}, {workers} workers')
        t_up = time.time()

        names = columns(d)
        train = args.train or 'KDDTrain+.txt.gz'
        tpath = train if os.path.isabs(train) or '://' in train else os.path.join(d, train)
        kw = dict(names=names, header=None)
        if tpath.endswith('.gz'):
            # A gzip stream cannot be split: read whole, then cut into
            # partitions on the workers.
            tr = dd.read_csv(tpath, compression='gzip', blocksize=None, **kw)
        else:
            tr = dd.read_csv(tpath, blocksize=args.blocksize, **kw)
        tr = tr.repartition(npartitions=max(tr.npartitions, 2 * workers))
        if args.sample:
            tr = tr.sample(frac=args.sample, random_state=0)
        tr = tr.persist()
        rows = int(tr.shape[0].compute())

        # The one-hot levels, computed on the cluster: the distinct values
        # of each categorical column of the training rows, sorted (what
        # pandas.get_dummies and features.Reference() fitted on them give).
        levels = {c: sorted(tr[c].unique().compute().tolist()) for c in CAT}
        numeric = [c for c in names if c not in CAT and c not in ('label', 'difficulty')]
        feature_names = numeric + [f'{c}={v}' for c in CAT for v in levels[c]]

        def encode(df):
            out = df[numeric].astype('float64')
            extra = {f'{c}={v}': (df[c] == v).astype('float64') for c in CAT for v in levels[c]}
            return pd.concat([out, pd.DataFrame(extra, index=df.index)], axis=1)

        meta_df = pd.DataFrame({n: pd.Series(dtype='float64') for n in feature_names})
        X = tr.map_partitions(encode, meta=meta_df)
        y = (tr['label'] != 'normal').astype('int64')
        dtrain = xgb.dask.DaskDMatrix(client, X, y, feature_names=feature_names)
        params = dict(objective='binary:logistic', max_depth=6, eta=0.3, tree_method='hist',
                      nthread=1, seed=0)
        t_train = time.time()
        res = xgb.dask.train(client, params, dtrain, num_boost_round=args.rounds)
        booster = res['booster']
        booster.feature_names = feature_names
        t_trained = time.time()

        te = dd.read_csv(os.path.join(d, args.test), blocksize=args.blocksize, **kw)
        Xte = te.map_partitions(encode, meta=meta_df)
        yte = (te['label'] != 'normal').astype('int64').compute().values
        p = xgb.dask.predict(client, booster, Xte).compute()
        p = np.asarray(p, dtype=np.float64)
        t_pred = time.time()

        booster.save_model(out + '.json')
        booster.save_model(out + '.ubj')
        np.savetxt(out + '_test_pred.csv', p, fmt='%.9g')
        if args.sample:
            # The sampled rows, in NSL-KDD format, for the Go side's pipeline.
            tr.compute().to_csv(out + '_train.txt', header=False, index=False)
        auc = roc_auc(yte, p)
        acc = float(np.mean((p >= 0.5) == (yte == 1)))
        meta = dict(mode='dask', cluster=where, workers=workers, train=train,
                    sample=args.sample, train_rows=rows, train_partitions=int(tr.npartitions),
                    test=args.test, test_rows=int(len(p)), features=len(feature_names),
                    rounds=args.rounds, roc_auc=auc, accuracy=acc,
                    seconds_cluster_start=round(t_up - t0, 2), seconds_train=round(t_trained - t_train, 2),
                    seconds_predict=round(t_pred - t_trained, 2), seconds_total=round(time.time() - t0, 2),
                    xgboost=xgb.__version__, dask=dask.__version__, pandas=pd.__version__)
        with open(out + '_meta.json', 'w') as f:
            json.dump(meta, f, indent=1)
        print(json.dumps(meta))
        print(f'{args.test}: ROC AUC {auc:.4f}, accuracy {acc:.4f} at probability 0.5')
        wrote = [out + '.json', out + '.ubj', out + '_test_pred.csv', out + '_meta.json']
        if args.sample:
            wrote.append(out + '_train.txt')
        print('wrote ' + ', '.join(wrote))
    finally:
        client.close()
        if cluster:
            cluster.close()


def roc_auc(y, p):
    """ROC AUC by the rank-sum (Mann-Whitney U) formula, tied scores given
    their mean rank."""
    order = np.argsort(p, kind='mergesort')
    ps = p[order]
    ranks = np.empty(len(p))
    i = 0
    while i < len(ps):
        j = i
        while j + 1 < len(ps) and ps[j + 1] == ps[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out', nargs='?', default='nslkdd_xgb', help='output path without extension')
    ap.add_argument('--data', default=os.environ.get('NSLKDD_DIR'), help='the NSL-KDD folder (default $NSLKDD_DIR)')
    ap.add_argument('--train', help='training file in --data, or a path (default KDDTrain+_20Percent.txt; KDDTrain+.txt.gz on a cluster)')
    ap.add_argument('--test', default='KDDTest+.txt', help='test file in --data')
    ap.add_argument('--scheduler', help='train with xgboost.dask on the Dask cluster at this address (tcp://HOST:8786)')
    ap.add_argument('--local-cluster', type=int, metavar='N', help='start a Dask scheduler and N worker processes here and train on them')
    ap.add_argument('--sample', type=float, help='on a cluster: train on this seeded fraction of the training file')
    ap.add_argument('--rounds', type=int, default=100, help='boosting rounds on a cluster')
    ap.add_argument('--blocksize', default='4MB', help='dask.dataframe partition size for plain-text files')
    args = ap.parse_args()
    if not args.data:
        sys.exit('train.py: set NSLKDD_DIR (or --data) to the folder holding the NSL-KDD files')
    out = args.out
    for ext in ('.json', '.ubj'):
        if out.endswith(ext):
            out = out[:-len(ext)]
    if args.scheduler and args.local_cluster:
        sys.exit('train.py: give --scheduler or --local-cluster, not both')
    if args.sample is not None and not 0 < args.sample <= 1:
        sys.exit('train.py: --sample wants a fraction in (0, 1]')
    if args.scheduler or args.local_cluster:
        distributed_mode(args, args.data, out)
    else:
        single(args, args.data, out)


if __name__ == '__main__':
    main()
