"""Python reference half of netwarden's examples/benchmark.

The Go program (go run ./examples/benchmark) writes the matrices its own half
ran on as .npy files into a temporary folder and runs this script on them, so
both halves see the same rows, bit for bit, on the same machine and threads:

    train.npy, train_y.npy   every encoded training row, 1 = attack
    normal.npy               the normal training rows (Isolation Forest)
    test.npy, test_y.npy     the encoded test rows
    xgb.npy                  the rows the XGBoost model scores

It measures scikit-learn's IsolationForest and RandomForestClassifier and
XGBoost's Booster with the same timing rules as the Go half (a warm-up run,
then the median of --reps runs; one-row latency is the median of single-row
calls on one thread) and prints one JSON object on stdout, whose "metrics"
keys match the Go half's. It saves XGBoost's predictions (xgb_pred.npy) and
TreeSHAP values (xgb_shap.npy) for the Go side to compare with its own.

`python3 bench.py --check` prints only the versions, or {"missing": why}
when numpy, scikit-learn or XGBoost cannot be imported.
"""

import argparse
import json
import os
import platform
import sys
import time


def log(msg):
    print("bench.py: " + msg, file=sys.stderr, flush=True)


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def timed(f, reps):
    """Median wall time of f in seconds over reps runs, after one warm-up."""
    f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return median(times)


def latency_us(f, X, calls, budget_s):
    """Median time in microseconds of f(one row), rows taken in turn; stops
    after calls calls or budget_s seconds (at least 20 calls), since a
    single-row call into scikit-learn costs milliseconds."""
    n = X.shape[0]
    for i in range(min(n, 5)):
        f(X[i : i + 1])
    times = []
    deadline = time.perf_counter() + budget_s
    i = 0
    while len(times) < calls and (len(times) < 20 or time.perf_counter() < deadline):
        row = X[i : i + 1]
        t0 = time.perf_counter_ns()
        f(row)
        times.append((time.perf_counter_ns() - t0) / 1e3)
        i = (i + 1) % n
    return median(times), len(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="print the versions and exit")
    ap.add_argument("--dir", help="folder holding the .npy inputs")
    ap.add_argument("--model", help="XGBoost model file (binary_100.json)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--row-calls", type=int, default=20000)
    ap.add_argument("--shap-rows", type=int, default=5000)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--row-seconds", type=float, default=5.0, help="time budget of each one-row latency figure")
    args = ap.parse_args()

    try:
        import numpy as np
        import sklearn
        import xgboost as xgb
        from sklearn.ensemble import IsolationForest, RandomForestClassifier
        from sklearn.metrics import roc_auc_score
    except ImportError as e:
        print(json.dumps({"missing": "%s cannot import %s (%s)" % (sys.executable, e.name, e)}))
        return
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "xgboost": xgb.__version__,
    }
    if args.check:
        print(json.dumps({"versions": versions}))
        return
    if not args.dir:
        ap.error("--dir is required")

    def load(name):
        return np.load(os.path.join(args.dir, name))

    Xtr, ytr, Xn = load("train.npy"), load("train_y.npy"), load("normal.npy")
    Xte, yte = load("test.npy"), load("test_y.npy")
    T, reps, calls = args.threads, args.reps, args.row_calls
    m, notes = {}, []
    n = Xte.shape[0]

    log("scikit-learn IsolationForest")
    for key, jobs in (("if.fit_1", 1), ("if.fit_all", T)):
        m[key] = timed(
            lambda: IsolationForest(
                n_estimators=args.trees, max_samples=256, n_jobs=jobs, random_state=0
            ).fit(Xn),
            reps,
        )
    iso = IsolationForest(n_estimators=args.trees, max_samples=256, n_jobs=1, random_state=0).fit(Xn)
    for key, jobs in (("if.rows_1", 1), ("if.rows_all", T)):
        iso.set_params(n_jobs=jobs)
        m[key] = n / timed(lambda: iso.score_samples(Xte), reps)
    m["if.auc"] = float(roc_auc_score(yte, -iso.score_samples(Xte)))
    iso.set_params(n_jobs=1)
    m["if.row"], k = latency_us(iso.score_samples, Xte, calls, args.row_seconds)
    notes.append("scikit-learn IsolationForest.score_samples does not use n_jobs (only fit does)")

    log("scikit-learn RandomForestClassifier")
    for key, jobs in (("rf.fit_1", 1), ("rf.fit_all", T)):
        m[key] = timed(
            lambda: RandomForestClassifier(n_estimators=args.trees, n_jobs=jobs, random_state=0).fit(Xtr, ytr),
            reps,
        )
    rf = RandomForestClassifier(n_estimators=args.trees, n_jobs=T, random_state=0).fit(Xtr, ytr)
    for key, jobs in (("rf.rows_1", 1), ("rf.rows_all", T)):
        rf.set_params(n_jobs=jobs)
        m[key] = n / timed(lambda: rf.predict_proba(Xte), reps)
    proba = rf.predict_proba(Xte)
    m["rf.auc"] = float(roc_auc_score(yte, proba[:, 1]))
    m["rf.acc"] = float(np.mean(rf.classes_[np.argmax(proba, axis=1)] == yte))
    rf.set_params(n_jobs=1)
    m["rf.row"], k = latency_us(rf.predict_proba, Xte, calls, args.row_seconds)
    if k < calls:
        notes.append("scikit-learn one-row latencies are medians of fewer calls (a few seconds' worth each)")

    if args.model:
        log("XGBoost " + os.path.basename(args.model))
        X = load("xgb.npy")
        nx = X.shape[0]
        booster = xgb.Booster(model_file=args.model)
        pred = None
        for key, threads in (("xgb.rows_1", 1), ("xgb.rows_all", T)):
            booster.set_param({"nthread": threads})
            m[key] = nx / timed(lambda: booster.inplace_predict(X), reps)
        pred = np.asarray(booster.inplace_predict(X), dtype=np.float64)
        np.save(os.path.join(args.dir, "xgb_pred.npy"), pred)
        booster.set_param({"nthread": 1})
        m["xgb.row"], _ = latency_us(booster.inplace_predict, X, calls, args.row_seconds)

        S = X[: min(args.shap_rows, nx)]
        names = booster.feature_names  # a DMatrix must carry the model's names
        contribs = None
        for key, threads in (("xgb.shap_1", 1), ("xgb.shap_all", T)):
            booster.set_param({"nthread": threads})
            dm = xgb.DMatrix(S, nthread=threads, feature_names=names)
            m[key] = S.shape[0] / timed(lambda: booster.predict(dm, pred_contribs=True), reps)
        contribs = booster.predict(xgb.DMatrix(S, feature_names=names), pred_contribs=True)
        np.save(os.path.join(args.dir, "xgb_shap.npy"), np.asarray(contribs, dtype=np.float64))
        booster.set_param({"nthread": 1})
        m["xgb.shap_row"], _ = latency_us(
            lambda r: booster.predict(xgb.DMatrix(r, nthread=1, feature_names=names), pred_contribs=True),
            S,
            max(50, calls // 10),
            args.row_seconds,
        )
        notes.append(
            "XGBoost: batch and one-row scoring with Booster.inplace_predict; TreeSHAP with "
            "predict(pred_contribs=True), whose one-row time includes building the one-row DMatrix it needs"
        )

    print(json.dumps({"versions": versions, "metrics": m, "notes": notes}))


if __name__ == "__main__":
    main()
