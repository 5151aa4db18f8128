# Optuna's TPESampler (its defaults) driven over stdin/stdout, one JSON object a line, so that bench/adaptive-search.ts
# can compare it with Custody's tpe on the very same objective (Custody's own training, run in Node):
#   {"op": "create", "seed": 1, "direction": "maximize", "space": {"x": {"min": 0.01, "max": 0.3, "log": true, "integer": false}, "c": [0, 1]}}
#   {"op": "ask"}                         -> {"number": 0, "params": {...}}
#   {"op": "tell", "number": 0, "value": 0.91}
# Reference only: Custody never runs Python itself.
import json
import sys

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)
study = None
space = {}
trials = {}


def distribution(range_):
    if isinstance(range_, list):
        return CategoricalDistribution(range_)
    if range_.get("integer"):
        return IntDistribution(int(range_["min"]), int(range_["max"]), log=bool(range_.get("log")))
    return FloatDistribution(range_["min"], range_["max"], log=bool(range_.get("log")))


for line in sys.stdin:
    message = json.loads(line)
    if message["op"] == "create":
        study = optuna.create_study(direction=message["direction"], sampler=optuna.samplers.TPESampler(seed=message["seed"]))
        space = {name: distribution(range_) for name, range_ in message["space"].items()}
        reply = {"version": optuna.__version__}
    elif message["op"] == "ask":
        trial = study.ask(space)
        trials[trial.number] = trial
        reply = {"number": trial.number, "params": trial.params}
    elif message["op"] == "tell":
        study.tell(trials.pop(message["number"]), message["value"])
        reply = {}
    else:
        reply = {"error": "unknown op"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
