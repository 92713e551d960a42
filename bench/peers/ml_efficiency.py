#!/usr/bin/python3
"""Machine-learning efficiency for bench/fidelity-real.mjs: train one gradient-boosted model per
training table (real train split, synthetic rows, baseline rows), test each on the same real
held-out rows. Same learner and hyper-parameters on every side (XGBoost, Debian's python3-xgboost).

Usage: ml_efficiency.py SPEC.json
SPEC: {
  "task": "classification" | "regression",
  "target": column name,
  "categorical": [feature columns to one-hot],
  "test": path of the held-out CSV,
  "trains": [{"label": str, "path": CSV}],
  "seed": int, "threads": int
}
Reading: every CSV as strings with leading/trailing spaces stripped; "?" and empty cells are
gaps (NaN). Categorical features are one-hot encoded over the union of the categories seen in
all the tables of the call, so every model sees the same columns in the same order (a gap is the
all-zero code); other features are numbers (NaN where not a number: XGBoost routes NaN itself).
Classification is binary: the positive class is the larger label in sorted order (adult
">50K", lalonde treat "1"); scores AUC, macro-F1 and accuracy (threshold 0.5). Regression: R2
and RMSE. Rows whose target is a gap are dropped.
Prints one JSON line: {"versions", "params", "results": [{"label", "rows", ..., "error"?}]}.
"""
import json
import resource
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score

GAPS = {"", "?", "nan", "NaN", "NA", "null", "None"}

# One set of hyper-parameters for every training table (not tuned on either side).
PARAMS = dict(n_estimators=400, learning_rate=0.05, max_depth=6, subsample=0.8, colsample_bytree=0.8,
              min_child_weight=1, tree_method="hist")


def read(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    df = df.apply(lambda s: s.str.strip())
    return df.where(~df.isin(GAPS), np.nan)


def label_key(v):
    """'1', '1.0' and ' 1' are one label; other strings stay as they are."""
    try:
        x = float(v)
        return str(int(x)) if x.is_integer() else str(x)
    except (TypeError, ValueError):
        return str(v)


def main():
    spec = json.load(open(sys.argv[1]))
    task, target = spec["task"], spec["target"]
    threads = int(spec.get("threads", 1))
    seed = int(spec.get("seed", 0))
    test = read(spec["test"])
    trains = [(t["label"], read(t["path"])) for t in spec["trains"]]
    features = [c for c in test.columns if c != target]
    categorical = [c for c in spec.get("categorical", []) if c in features]
    numeric = [c for c in features if c not in categorical]

    frames = [test] + [df for _, df in trains]
    for df in frames:
        missing = [c for c in test.columns if c not in df.columns]
        if missing:
            raise SystemExit(f"columns missing from a training table: {missing}")

    # One-hot over the union of categories, one column order for all tables.
    levels = {c: sorted(set().union(*[set(df[c].dropna().unique()) for df in frames])) for c in categorical}

    def design(df):
        parts = [df[numeric].apply(pd.to_numeric, errors="coerce").astype(float)] if numeric else []
        for c in categorical:
            cat = pd.Categorical(df[c], categories=levels[c])
            parts.append(pd.get_dummies(cat, prefix=c, dtype=float).set_axis(df.index))
        return pd.concat(parts, axis=1).to_numpy(dtype=np.float32)

    if task == "classification":
        labels = sorted({label_key(v) for df in [test] + [df for _, df in trains[:1]] for v in df[target].dropna()})
        if len(labels) != 2:
            raise SystemExit(f"classification target {target}: expected 2 labels in the real data, got {labels}")
        positive = labels[1]

    def xy(df):
        df = df[df[target].notna()]
        X = design(df)
        if task == "classification":
            y = np.array([1 if label_key(v) == positive else 0 for v in df[target]], dtype=np.int32)
        else:
            y = pd.to_numeric(df[target], errors="coerce").to_numpy(dtype=float)
            keep = np.isfinite(y)
            X, y = X[keep], y[keep]
        return X, y

    X_test, y_test = xy(test)
    results = []
    for label, df in trains:
        row = {"label": label}
        try:
            X, y = xy(df)
            row["rows"] = int(len(y))
            if task == "classification":
                if len(np.unique(y)) < 2:
                    raise ValueError(f"the training rows hold one class only ({labels[int(y[0])] if len(y) else 'none'})")
                model = xgboost.XGBClassifier(**PARAMS, n_jobs=threads, random_state=seed, eval_metric="logloss")
                model.fit(X, y)
                p = model.predict_proba(X_test)[:, 1]
                pred = (p >= 0.5).astype(int)
                row.update(auc=float(roc_auc_score(y_test, p)), f1=float(f1_score(y_test, pred, average="macro")),
                           accuracy=float(accuracy_score(y_test, pred)), positiveRate=float(y.mean()))
            else:
                model = xgboost.XGBRegressor(**PARAMS, n_jobs=threads, random_state=seed)
                model.fit(X, y)
                pred = model.predict(X_test)
                row.update(r2=float(r2_score(y_test, pred)), rmse=float(np.sqrt(mean_squared_error(y_test, pred))))
        except Exception as e:  # one bad table must not hide the others' scores
            row["error"] = f"{type(e).__name__}: {e}"
        results.append(row)

    out = {
        "versions": {"xgboost": xgboost.__version__, "sklearn": sklearn.__version__, "pandas": pd.__version__, "numpy": np.__version__},
        "params": PARAMS,
        "task": task,
        "target": target,
        "testRows": int(len(y_test)),
        "features": {"numeric": numeric, "categorical": categorical, "encodedWidth": int(X_test.shape[1])},
        "positiveClass": positive if task == "classification" else None,
        "results": results,
        "maxRssKB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
