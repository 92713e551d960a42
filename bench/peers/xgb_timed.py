#!/usr/bin/python3
"""XGBoost (Debian's python3-xgboost) on one train/test split, timed, for bench/eval.mjs: the
reference the built-in GBDT (native/cpu/gbdt.cpp) is measured against. Reading, one-hot design
and hyper-parameters are those of bench/peers/ml_efficiency.py (imported, so they cannot drift).

Usage: xgb_timed.py SPEC.json
SPEC: {"train": CSV, "test": CSV, "target": column, "categorical": [columns], "seeds": [int], "threads": int}
Prints one JSON line: {"version", "params", "encodedWidth", "runs": [{"seed", "fitSeconds", "predictSeconds", "auc", "accuracy"}]}
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import xgboost
from sklearn.metrics import accuracy_score, roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ml_efficiency import PARAMS, label_key, read  # noqa: E402


def main():
    spec = json.load(open(sys.argv[1]))
    target = spec["target"]
    train, test = read(spec["train"]), read(spec["test"])
    features = [c for c in train.columns if c != target]
    categorical = [c for c in spec["categorical"] if c in features]
    numeric = [c for c in features if c not in categorical]
    levels = {c: sorted(set(train[c].dropna().unique()) | set(test[c].dropna().unique())) for c in categorical}

    def design(df):
        parts = [df[numeric].apply(pd.to_numeric, errors="coerce").astype(float)]
        for c in categorical:
            parts.append(pd.get_dummies(pd.Categorical(df[c], categories=levels[c]), prefix=c, dtype=float).set_axis(df.index))
        return pd.concat(parts, axis=1).to_numpy(dtype=np.float32)

    labels = sorted({label_key(v) for v in train[target].dropna()} | {label_key(v) for v in test[target].dropna()})
    positive = labels[-1]
    train, test = train[train[target].notna()], test[test[target].notna()]
    X, Xt = design(train), design(test)
    y = np.array([1 if label_key(v) == positive else 0 for v in train[target]])
    yt = np.array([1 if label_key(v) == positive else 0 for v in test[target]])
    runs = []
    for seed in spec["seeds"]:
        model = xgboost.XGBClassifier(**PARAMS, n_jobs=int(spec["threads"]), random_state=int(seed), eval_metric="logloss")
        t0 = time.perf_counter()
        model.fit(X, y)
        t1 = time.perf_counter()
        p = model.predict_proba(Xt)[:, 1]
        t2 = time.perf_counter()
        runs.append({"seed": seed, "fitSeconds": t1 - t0, "predictSeconds": t2 - t1,
                     "auc": float(roc_auc_score(yt, p)), "accuracy": float(accuracy_score(yt, (p >= 0.5).astype(int)))})
    print(json.dumps({"version": xgboost.__version__, "params": PARAMS, "encodedWidth": int(X.shape[1]), "positive": positive, "runs": runs}))


if __name__ == "__main__":
    main()
