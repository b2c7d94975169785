"""Quality benchmark of the sweep strategies against Optuna and W&B's ``sweeps`` package.

Runs in a bench-only environment (peers pinned in bench/requirements-peers.txt, plus
scikit-learn for the two real tasks); cairn itself is imported from this checkout::

    python3 -m venv /tmp/peers-sweeps
    /tmp/peers-sweeps/bin/pip install -r bench/requirements-peers.txt numpy scipy pyyaml
    PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
        /tmp/peers-sweeps/bin/python bench/bench_sweeps.py \
        --seeds 10 --workers 2 --write bench/RESULTS.md

Every method minimizes every problem for ``--trials`` trials per seed, sequentially and with 4
trials pending (a new point is asked for whenever the oldest of 4 in flight completes). The
score is the average rank (1 = best; ties share) of the best value found after 25/50/100
trials, over problems and seeds. Speed: milliseconds per suggestion with 200 completed trials on
Hartmann-6 (median of 3 asks after a warm-up). On 2 cores, ``--seeds 3`` takes about 25
minutes and ``--seeds 10`` about 85, most of it Optuna's GP sampler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

Params = dict[str, Any]

# ---------------------------------------------------------------- problems ----------------


def branin(p: Params) -> float:
    x1, x2 = p["x1"], p["x2"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(p: Params) -> float:
    x = np.array([p[f"x{i}"] for i in range(6)])
    return float(-(_H6_ALPHA * np.exp(-(_H6_A * (x - _H6_P) ** 2).sum(1))).sum())


def rosenbrock4(p: Params) -> float:
    x = [p[f"x{i}"] for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def ackley5(p: Params) -> float:
    x = np.array([p[f"x{i}"] for i in range(5)])
    a = -20 * math.exp(-0.2 * math.sqrt(float((x * x).mean())))
    return a - math.exp(float(np.cos(2 * math.pi * x).mean())) + 20 + math.e


def mixed(p: Params) -> float:
    """Ints, a categorical that changes the landscape, a log-scale float."""
    shift = {"a": 0.0, "b": 2.0, "c": -1.5, "d": 4.0}[p["kind"]]
    return (
        (math.log10(p["lr"]) + 2.5 - 0.2 * shift) ** 2
        + 0.05 * (p["layers"] - 6) ** 2
        + ((p["units"] - 96) / 64) ** 2
        + 0.5 * abs(shift)
        + (p["dropout"] - 0.2) ** 2
    )


_SK_CACHE: dict[tuple[str, str], float] = {}
_DATA: dict[str, Any] = {}


def _data(name: str) -> Any:
    if name not in _DATA:
        from sklearn import datasets

        loader = {"cancer": datasets.load_breast_cancer, "digits": datasets.load_digits}[name]
        x, y = loader(return_X_y=True)
        if name == "cancer":
            x = (x - x.mean(0)) / x.std(0)
        _DATA[name] = (x, y)
    return _DATA[name]


def _cv_error(task: str, key: str, make: Callable[[], Any], data: str) -> float:
    from sklearn.model_selection import cross_val_score

    if (task, key) not in _SK_CACHE:
        x, y = _data(data)
        _SK_CACHE[(task, key)] = 1.0 - float(cross_val_score(make(), x, y, cv=3).mean())
    return _SK_CACHE[(task, key)]


def svm_cancer(p: Params) -> float:
    from sklearn.svm import SVC

    key = f"{p['C']!r},{p['gamma']!r}"
    return _cv_error("svm", key, lambda: SVC(C=p["C"], gamma=p["gamma"]), "cancer")


def tree_digits(p: Params) -> float:
    from sklearn.tree import DecisionTreeClassifier

    key = repr(sorted(p.items()))
    return _cv_error(
        "tree",
        key,
        lambda: DecisionTreeClassifier(
            max_depth=p["max_depth"],
            min_samples_leaf=p["min_samples_leaf"],
            criterion=p["criterion"],
            max_features=p["max_features"],
            random_state=0,
        ),
        "digits",
    )


def _box(n: int, lo: float, hi: float) -> dict[str, Any]:
    return {f"x{i}": {"min": lo, "max": hi} for i in range(n)}


PROBLEMS: dict[str, tuple[Callable[[Params], float], dict[str, Any]]] = {
    "branin": (branin, {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}}),
    "hartmann6": (hartmann6, _box(6, 0.0, 1.0)),
    "rosenbrock4": (rosenbrock4, _box(4, -2.048, 2.048)),
    "ackley5": (ackley5, _box(5, -32.768, 32.768)),
    "mixed": (
        mixed,
        {
            "kind": {"values": ["a", "b", "c", "d"]},
            "layers": {"min": 1, "max": 12},
            "units": {"distribution": "q_uniform", "min": 16, "max": 512, "q": 16},
            "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1.0},
            "dropout": {"min": 0.0, "max": 0.8},
        },
    ),
    "svm_cancer": (
        svm_cancer,
        {
            "C": {"distribution": "log_uniform_values", "min": 1e-3, "max": 1e3},
            "gamma": {"distribution": "log_uniform_values", "min": 1e-5, "max": 10.0},
        },
    ),
    "tree_digits": (
        tree_digits,
        {
            "max_depth": {"min": 1, "max": 30},
            "min_samples_leaf": {"min": 1, "max": 50},
            "criterion": {"values": ["gini", "entropy"]},
            "max_features": {"min": 0.05, "max": 1.0},
        },
    ),
}

# ---------------------------------------------------------------- methods -----------------


class Asker:
    """One method's ask/tell loop: ``ask(n)`` → points, ``tell(point, value)``."""

    def ask(self, n: int) -> list[Params]:
        raise NotImplementedError

    def tell(self, point: Params, value: float) -> None:
        raise NotImplementedError


class CairnAsker(Asker):
    def __init__(self, method: str, params: dict[str, Any], seed: int) -> None:
        from cairn.sweeps import strategy

        cfg = {"method": method, "metric": {"name": "loss"}, "parameters": params}
        self.s = strategy(cfg, seed=seed)
        self.trials: list[Any] = []

    def ask(self, n: int) -> list[Params]:
        from cairn.sweeps import Trial

        pts = self.s.suggest(self.trials, n=n)
        self.trials += [Trial(p, None, "running") for p in pts]
        return pts

    def tell(self, point: Params, value: float) -> None:
        from cairn.sweeps import Trial

        for i, t in enumerate(self.trials):
            if t.state == "running" and t.params == point:
                self.trials[i] = Trial(point, value, "finished")
                return


def _optuna_dist(spec: dict[str, Any]) -> Any:
    import optuna

    if "values" in spec:
        return optuna.distributions.CategoricalDistribution(spec["values"])
    d = spec.get("distribution")
    if d == "log_uniform_values":
        return optuna.distributions.FloatDistribution(spec["min"], spec["max"], log=True)
    if d == "q_uniform":
        return optuna.distributions.IntDistribution(spec["min"], spec["max"], step=spec["q"])
    if isinstance(spec["min"], int):
        return optuna.distributions.IntDistribution(spec["min"], spec["max"])
    return optuna.distributions.FloatDistribution(spec["min"], spec["max"])


class OptunaAsker(Asker):
    def __init__(self, method: str, params: dict[str, Any], seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        if method == "optuna_tpe":
            sampler: Any = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
        else:
            sampler = optuna.samplers.GPSampler(seed=seed)
        self.study = optuna.create_study(sampler=sampler)
        self.dists = {k: _optuna_dist(v) for k, v in params.items()}
        self.open: list[tuple[Any, Params]] = []

    def ask(self, n: int) -> list[Params]:
        out = []
        for _ in range(n):
            trial = self.study.ask(self.dists)
            self.open.append((trial, dict(trial.params)))
            out.append(dict(trial.params))
        return out

    def tell(self, point: Params, value: float) -> None:
        for i, (trial, p) in enumerate(self.open):
            if p == point:
                self.study.tell(trial, value)
                del self.open[i]
                return


class WandbAsker(Asker):
    """W&B's ``sweeps`` package (its bayes: a scikit-learn GP); seeded through np.random."""

    def __init__(self, method: str, params: dict[str, Any], seed: int) -> None:
        self.cfg = {"method": "bayes", "metric": {"name": "loss"}, "parameters": params}
        self.runs: list[Any] = []
        np.random.seed(seed)

    def ask(self, n: int) -> list[Params]:
        import sweeps

        out = []
        for _ in range(n):
            run = sweeps.next_run(self.cfg, self.runs)
            run.state = sweeps.RunState.running
            run.name = f"r{len(self.runs)}"
            self.runs.append(run)
            out.append({k: v["value"] for k, v in run.config.items()})
        return out

    def tell(self, point: Params, value: float) -> None:
        import sweeps

        for r in self.runs:
            if (
                r.state == sweeps.RunState.running
                and {k: v["value"] for k, v in r.config.items()} == point
            ):
                r.state = sweeps.RunState.finished
                r.summary_metrics = {"loss": value}
                return


METHODS: dict[str, Callable[[str, dict[str, Any], int], Asker]] = {
    "cairn random": lambda m, p, s: CairnAsker("random", p, s),
    "cairn bayes": lambda m, p, s: CairnAsker("bayes", p, s),
    "cairn tpe": lambda m, p, s: CairnAsker("tpe", p, s),
    "optuna tpe": lambda m, p, s: OptunaAsker("optuna_tpe", p, s),
    "optuna gp": lambda m, p, s: OptunaAsker("optuna_gp", p, s),
    "wandb sweeps": lambda m, p, s: WandbAsker("wandb", p, s),
}

# ---------------------------------------------------------------- runner ------------------


def run_one(
    job: tuple[str, str, str, int, int],
) -> tuple[str, str, str, int, list[float], float]:
    """Best-so-far trace of one (method, problem, mode, seed), and its wall seconds."""
    method, problem, mode, seed, trials = job
    t0 = time.perf_counter()
    f, params = PROBLEMS[problem]
    asker = METHODS[method](method, params, seed)
    values: list[float] = []
    if mode == "sequential":
        for _ in range(trials):
            (p,) = asker.ask(1)
            v = f(p)
            asker.tell(p, v)
            values.append(v)
    else:  # 4 in flight, the oldest completes first
        flight = asker.ask(4)
        while len(values) < trials:
            p = flight.pop(0)
            v = f(p)
            asker.tell(p, v)
            values.append(v)
            if len(values) + len(flight) < trials:
                flight += asker.ask(1)
    trace = list(np.minimum.accumulate(values))
    return method, problem, mode, seed, trace, time.perf_counter() - t0


def fingerprint(method: str) -> str:
    """What a method's traces depend on: Cairn's sweeps source, or the peer's package version.

    A cached trace is reused only while this is unchanged, so peers (minutes per run for
    Optuna's GP) are run once per version and Cairn's methods again after any edit.
    """
    if method.startswith("cairn"):
        root = Path(__file__).resolve().parent.parent / "cairn" / "sweeps"
        own = {"random": {"random"}, "bayes": {"bayes", "_gp"}, "tpe": {"tpe"}}[method.split()[1]]
        h = hashlib.sha256()
        for f in sorted(root.rglob("*.py")):
            shared = f.parent.name != "strategies" or f.stem in {"__init__", "_common"}
            if shared or f.stem in own:
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
        return "cairn-" + h.hexdigest()[:16]
    package = {"optuna": "optuna", "wandb": "sweeps"}[method.split()[0]]
    return f"{package}-{metadata.version(package)}"


class TraceCache:
    """Best-so-far traces on disk, one JSON line each; a trace of T trials answers any T' <= T.

    The prefix is exact: a run of fewer trials asks the same points in the same order and only
    stops asking sooner (in batch mode too).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.traces: dict[tuple[str, str, str, str, int], tuple[list[float], float]] = {}
        if path and path.exists():
            for line in path.read_text().splitlines():
                r = json.loads(line)
                key = (r["fingerprint"], r["method"], r["problem"], r["mode"], r["seed"])
                if len(r["trace"]) >= len(self.traces.get(key, ([], 0.0))[0]):
                    self.traces[key] = (r["trace"], r["seconds"])

    def get(
        self, fp: str, method: str, problem: str, mode: str, seed: int, trials: int
    ) -> tuple[list[float], float] | None:
        hit = self.traces.get((fp, method, problem, mode, seed))
        if hit is None or len(hit[0]) < trials:
            return None
        return hit[0][:trials], hit[1] * trials / len(hit[0])

    def put(
        self,
        fp: str,
        method: str,
        problem: str,
        mode: str,
        seed: int,
        trace: list[float],
        secs: float,
    ) -> None:
        self.traces[(fp, method, problem, mode, seed)] = (trace, secs)
        if self.path:
            row = {"fingerprint": fp, "method": method, "problem": problem, "mode": mode}
            with self.path.open("a") as fh:
                fh.write(json.dumps({**row, "seed": seed, "trace": trace, "seconds": secs}) + "\n")


def time_one(method: str, n_done: int = 200) -> float:
    """ms per suggestion with ``n_done`` completed trials on Hartmann-6 (median of 3)."""
    f, params = PROBLEMS["hartmann6"]
    rng = np.random.default_rng(0)
    asker = METHODS[method](method, params, 0)
    if isinstance(asker, CairnAsker):
        from cairn.sweeps import Trial

        for _ in range(n_done):
            p = {k: float(rng.random()) for k in params}
            asker.trials.append(Trial(p, f(p), "finished"))
    elif isinstance(asker, OptunaAsker):
        import optuna

        for _ in range(n_done):
            p = {k: float(rng.random()) for k in params}
            asker.study.add_trial(
                optuna.trial.create_trial(params=p, distributions=asker.dists, value=f(p))
            )
    elif isinstance(asker, WandbAsker):
        import sweeps

        for i in range(n_done):
            p = {k: float(rng.random()) for k in params}
            asker.runs.append(
                sweeps.SweepRun(
                    name=f"r{i}",
                    state=sweeps.RunState.finished,
                    config={k: {"value": v} for k, v in p.items()},
                    summary_metrics={"loss": f(p)},
                )
            )
    asker.tell(*(lambda q: (q, f(q)))(asker.ask(1)[0]))  # warm-up (imports, caches)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        q = asker.ask(1)[0]
        times.append((time.perf_counter() - t0) * 1e3)
        asker.tell(q, f(q))
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--modes", default="sequential,batch4")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--write", help="append the tables to this markdown file")
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path(".bench-cache/sweeps-traces.jsonl"),
        help="traces kept between runs (reused while the method's code/version is unchanged)",
    )
    ap.add_argument("--no-cache", action="store_true")
    args = ap.parse_args()
    methods = args.methods.split(",")
    problems = args.problems.split(",")
    modes = args.modes.split(",")
    jobs = [
        (m, pr, mode, s, args.trials)
        for pr in problems
        for mode in modes
        for s in range(args.seeds)
        for m in methods
    ]
    if args.no_cache:
        cache = TraceCache(None)
    else:
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        cache = TraceCache(args.cache)
    prints = {m: fingerprint(m) for m in methods}
    t0 = time.time()
    results: dict[tuple[str, str, int], dict[str, list[float]]] = {}
    spent: dict[str, float] = dict.fromkeys(methods, 0.0)
    todo = []
    for job in jobs:
        m, pr, mode, s, trials = job
        hit = cache.get(prints[m], m, pr, mode, s, trials)
        if hit is None:
            todo.append(job)
        else:
            results.setdefault((pr, mode, s), {})[m] = hit[0]
            spent[m] += hit[1]
    print(f"  {len(jobs) - len(todo)} of {len(jobs)} runs from the cache", file=sys.stderr)
    # the slowest methods first, so the pool is not left waiting on one long run at the end
    todo.sort(key=lambda j: (j[0] != "optuna gp", j[0] != "wandb sweeps"))
    with ProcessPoolExecutor(args.workers) as pool:
        for done, (m, pr, mode, s, trace, secs) in enumerate(pool.map(run_one, todo), 1):
            results.setdefault((pr, mode, s), {})[m] = trace
            spent[m] += secs
            cache.put(prints[m], m, pr, mode, s, [float(v) for v in trace], secs)
            if done % 20 == 0:
                print(f"  {done}/{len(todo)} runs, {time.time() - t0:.0f} s", file=sys.stderr)
    wall = time.time() - t0

    from scipy.stats import rankdata

    checkpoints = [c for c in (25, 50, 100) if c < args.trials] + [args.trials]
    lines = []
    for mode in modes:
        ranks: dict[str, dict[int, list[float]]] = {
            m: {c: [] for c in checkpoints} for m in methods
        }
        per_problem: dict[str, dict[str, list[float]]] = {m: {} for m in methods}
        for (pr, md, _s), traces in results.items():
            if md != mode:
                continue
            for c in checkpoints:
                r = rankdata([traces[m][c - 1] for m in methods])
                for m, rank in zip(methods, r, strict=True):
                    ranks[m][c].append(float(rank))
                    if c == checkpoints[-1]:
                        per_problem[m].setdefault(pr, []).append(float(rank))
        lines.append(f"\n**{mode}** (average rank of the best value, 1 = best; lower is better)\n")
        head = "| method | " + " | ".join(f"@{c}" for c in checkpoints)
        head += " | " + " | ".join(f"{pr} @{checkpoints[-1]}" for pr in problems) + " |"
        lines.append(head)
        lines.append("|" + " --- |" * (1 + len(checkpoints) + len(problems)))
        for m in sorted(methods, key=lambda m: np.mean(ranks[m][checkpoints[-1]])):
            cells = [f"{np.mean(ranks[m][c]):.2f}" for c in checkpoints]
            cells += [f"{np.mean(per_problem[m][pr]):.2f}" for pr in problems]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    if not args.no_timing:
        lines.append("\n**ms per suggestion**, 200 completed trials, Hartmann-6 (median of 3)\n")
        lines.append("| method | ms | s per run (mean over its runs) |")
        lines.append("| --- | --- | --- |")
        runs_per_method = len(jobs) / len(methods)
        for m in methods:
            lines.append(f"| {m} | {time_one(m):.0f} | {spent[m] / runs_per_method:.1f} |")
    cmd = (
        "PYTHONPATH=$PWD OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /tmp/peers-sweeps/bin/python "
        + " ".join(["bench/bench_sweeps.py", *sys.argv[1:]])
    )
    header = (
        f"\n## Sweeps: strategy quality ({dt.date.today().isoformat()})\n\n"
        f"`{cmd}`: {len(problems)} problems x {len(modes)} modes x {args.seeds} seeds x "
        f"{args.trials} trials, {len(jobs)} runs ({len(jobs) - len(todo)} from the trace cache) "
        f"in {wall:.0f} s on {os.cpu_count()} cores; seconds per run are the runs' own.\n"
    )
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.write:
        with open(args.write, "a") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
