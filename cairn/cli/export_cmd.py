"""``cairn export entity/project``: the runs table (config + summary) as CSV or Parquet."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInputError


def register(commands: Any) -> None:
    """Add the ``export`` subcommand."""
    parser = commands.add_parser("export", help="export a project's runs as CSV or Parquet")
    parser.add_argument("project", help="entity/project")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout for CSV)")
    parser.add_argument("--filters", help="a text filter, e.g. 'state = finished'")
    parser.add_argument("--base-url", help="server URL (default from settings)")
    parser.set_defaults(handler=run_export)


def _flat(prefix: str, mapping: dict[str, Any], out: dict[str, Any]) -> None:
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flat(name + ".", value, out)
        else:
            out[name] = value


def rows_of(project: str, base_url: str | None, filters: str | None) -> list[dict[str, Any]]:
    """One flat dict per run: identity, state, times, ``config.*`` and ``summary.*``."""
    from cairn.sdk.api.public import Api

    rows = []
    for run in Api(base_url=base_url).runs(project, filters=filters, order="created_at"):
        row: dict[str, Any] = {
            "id": run.id, "name": run.name, "state": run.state, "created_at": run.created_at,
            "tags": ",".join(run.tags), "group": run.group,
        }  # fmt: skip
        _flat("config.", run.config, row)
        _flat("summary.", run.summary, row)
        rows.append(row)
    return rows


def run_export(args: argparse.Namespace) -> int:
    """Write the table."""
    rows = rows_of(args.project, args.base_url, args.filters)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if args.format == "parquet":
        if args.output is None:
            raise InvalidInputError("Parquet needs --output FILE")
        try:
            import pandas as pd
        except ImportError:
            raise InvalidInputError(
                'Parquet export needs: pip install "cairn-ml[export]"'
            ) from None
        pd.DataFrame(rows, columns=columns).to_parquet(args.output)
        print(f"wrote {len(rows)} runs to {args.output}", file=sys.stderr)
        return 0
    handle = args.output.open("w", newline="") if args.output else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if args.output:
            handle.close()
    return 0
