#!/usr/bin/env python3
"""A Custody `command` trainer: scikit-learn logistic regression behind a standard scaler.

The file contract (see ml/command/trainer.ts): Custody passes file paths in
environment variables; this script reads the data and parameters, and writes the model and the
predictions. Custody computes the metrics from the predictions itself. In `serve` mode (see
ml/command/server.ts) it loads the model once and answers JSON lines on stdin.
"""
import csv
import json
import os
import pickle
import sys

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read_csv(path, columns):
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [[float(row[c]) if row[c] != "" else 0.0 for c in columns] for row in rows], rows


def main():
    env = os.environ
    with open(env["CUSTODY_PARAMS"]) as handle:
        spec = json.load(handle)
    features = [f["name"] for f in spec["features"]]
    params = spec["params"]

    if env["CUSTODY_MODE"] == "serve":
        serve(env["CUSTODY_MODEL"], features)
        return
    if env["CUSTODY_MODE"] == "train":
        x, rows = read_csv(env["CUSTODY_TRAIN_DATA"], features)
        y = [row[spec["target"]] for row in rows]
        model = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=float(params.get("C", 1.0)), max_iter=2000, random_state=spec["seed"]),
        )
        model.fit(x, y)
        with open(env["CUSTODY_MODEL"], "wb") as handle:
            pickle.dump(model, handle)
    else:
        with open(env["CUSTODY_MODEL"], "rb") as handle:
            model = pickle.load(handle)

    x, _ = read_csv(env["CUSTODY_PREDICT_DATA"], features)
    classes = [str(c) for c in model.classes_]
    with open(env["CUSTODY_PREDICTIONS"], "w") as handle:
        json.dump(
            {
                "predictions": [str(p) for p in model.predict(x)],
                "probabilities": model.predict_proba(x).tolist(),
                "classes": classes,
            },
            handle,
        )


def serve(model_path, features):
    """The serve mode: load the model once, then answer one JSON line per request line on stdin."""
    with open(model_path, "rb") as handle:
        model = pickle.load(handle)
    classes = [str(c) for c in model.classes_]
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            x = [[float(row[c]) if row.get(c) not in (None, "") else 0.0 for c in features] for row in request["rows"]]
            answer = {
                "id": request["id"],
                "predictions": [str(p) for p in model.predict(x)],
                "probabilities": model.predict_proba(x).tolist(),
                "classes": classes,
            }
        except Exception as error:  # one bad request must not stop the server
            answer = {"id": request.get("id"), "error": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
