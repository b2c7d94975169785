"""Artifacts and the model registry end to end: a tiny scikit-learn model.

1. A data run logs a dataset (``toy-data``, a CSV file) as an artifact.
2. A training run uses it (the lineage records that), trains a logistic regression, logs its
   accuracy, and links the pickled model into the registered model ``MODEL`` as ``staging``.
3. The model is promoted: ``production`` moves onto that version, which fires any automation
   listening for ``alias_moved`` (a webhook to your CI/CD, a Slack message).

Run against a server: ``CAIRN_BASE_URL=http://127.0.0.1:8080 python examples/registry_sklearn.py``.
Prints ``MODEL <entity/name:vN> FROM <artifact path>`` at the end.
"""

from __future__ import annotations

import argparse
import csv
import pickle
import tempfile
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import cairn
from cairn import registry


def log_dataset(project: str, workdir: Path) -> str:
    """The data run: write the dataset and log it; returns the artifact's path."""
    features, labels = make_classification(n_samples=200, n_features=5, random_state=0)
    data = workdir / "toy-data.csv"
    with data.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f"x{i}" for i in range(features.shape[1])] + ["y"])
        writer.writerows([*row, label] for row, label in zip(features, labels, strict=True))
    with cairn.init(project=project, job_type="data", name="make-data") as run:
        dataset = cairn.Artifact("toy-data", type="dataset", metadata={"rows": len(labels)})
        dataset.add_file(data)
        run.log_artifact(dataset, aliases=["train"])
        dataset.wait(timeout=120)
    assert dataset.path is not None
    return dataset.path


def train_and_link(project: str, model_name: str, workdir: Path) -> registry.RegistryVersion:
    """The training run: use the dataset, train, link the model into the registry."""
    with cairn.init(project=project, job_type="train", name="train-logreg",
                    config={"C": 1.0}) as run:  # fmt: skip
        dataset = run.use_artifact("toy-data:train")
        root = Path(dataset.download(root=str(workdir / "data")))
        with (root / "toy-data.csv").open() as rows:
            reader = csv.reader(rows)
            next(reader)
            table = [[float(v) for v in row] for row in reader]
        features = [row[:-1] for row in table]
        labels = [int(row[-1]) for row in table]
        model = LogisticRegression(C=run.config["C"]).fit(features, labels)
        run.log({"train/acc": model.score(features, labels)})
        model_file = workdir / "model.pkl"
        model_file.write_bytes(pickle.dumps(model))
        return run.link_model(model_file, model_name, aliases=["staging"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="registry-demo")
    parser.add_argument("--model", default="toy-classifier", help="registered model name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        dataset = log_dataset(args.project, workdir)
        linked = train_and_link(args.project, args.model, workdir)
    promoted = registry.set_alias(linked.model, "production", linked.version)
    print(f"DATASET {dataset}")
    print(f"MODEL {promoted.path} FROM {promoted.source_path}", flush=True)


if __name__ == "__main__":
    main()
