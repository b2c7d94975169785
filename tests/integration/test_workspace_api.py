"""Workspace layout, project keys and run groups over HTTP against a real server."""

from __future__ import annotations

import httpx

from tests.serverproc import start_server
from tests.wirehelp import history_record, new_stream, post_batch

PROJECT = "/api/v1/projects/team/proj"


def test_workspace_keys_and_groups(tmp_path):
    server = start_server(tmp_path)
    try:
        client = httpx.Client(base_url=server.base_url)
        for run_id in ("run00001", "run00002"):
            rows = [(s, 1.0 + s, {"train/loss": 1.0 / (s + 1)}) for s in range(5)]
            assert (
                post_batch(client, [history_record(rows)], 0, new_stream(), run_id).status_code
                == 200
            )
            edit = client.patch(
                f"/api/v1/runs/team/proj/{run_id}", json={"group": "g", "notes": "n"}
            )
            assert edit.status_code == 200

        empty = client.get(f"{PROJECT}/workspace").json()
        assert empty == {"layout": None, "updated_at": None, "source": None}
        layout = {
            "panels": [{"key": "train/loss", "smoothing": 0.6}],
            "table": {"columns": ["config.lr"]},
        }
        saved = client.put(f"{PROJECT}/workspace", json={"layout": layout})
        assert saved.status_code == 200
        again = client.get(f"{PROJECT}/workspace").json()
        assert again["layout"] == layout
        assert again["updated_at"] == saved.json()["updated_at"]
        assert again["source"] == "project"  # no accounts on loopback: the project's layout
        too_big = client.put(f"{PROJECT}/workspace", json={"layout": {"x": "a" * 600_000}})
        assert too_big.status_code == 400
        assert "limit" in too_big.json()["detail"]
        assert client.get(f"{PROJECT}/workspace").json()["layout"] == layout
        assert client.get("/api/v1/projects/team/nope/workspace").status_code == 404

        keys = client.get(f"{PROJECT}/keys").json()
        assert keys["metrics"] == [{"key": "train/loss", "kind": "history", "runs": 2}]
        assert keys["config"] == []

        groups = client.post(f"{PROJECT}/runs/groups", json={"group_by": "group"}).json()
        assert groups["groups"] == [
            {"value": "g", "count": 2, "filter": {"group": "g"}, "aggregates": {}}
        ]
        bad = client.post(f"{PROJECT}/runs/groups", json={"group_by": "created_at"})
        assert bad.status_code == 400
        assert "cannot group by" in bad.json()["detail"]
        bad_filter = client.post(
            f"{PROJECT}/runs/groups", json={"group_by": "state", "expression": "config.lr >"}
        )
        assert bad_filter.status_code == 400
    finally:
        server.stop()
