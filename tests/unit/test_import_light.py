"""``import cairn`` must not load the server's dependencies, numpy or httpx."""

from __future__ import annotations

import subprocess
import sys


def test_import_cairn_loads_no_heavy_module() -> None:
    code = (
        "import sys, cairn; heavy = {'numpy', 'httpx', 'fastapi', 'sqlalchemy', 'uvicorn', "
        "'alembic', 'psycopg', 'boto3', 'pandas'}; print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
