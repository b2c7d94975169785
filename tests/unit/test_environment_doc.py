"""docs/environment.md is the table the code generates, and lists every variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from cairn.cli.envdoc import PAGE, render_page
from cairn.sdk.envvars import SDK_VARIABLES
from cairn.sdk.settings import Settings
from cairn.server.settings import env_variables

ROOT = Path(__file__).resolve().parents[2]


def test_the_page_is_the_generated_one() -> None:
    assert (ROOT / PAGE).read_text() == render_page(), "docs/environment.md is stale: make docs"


def test_every_variable_the_code_names_is_in_a_registry() -> None:
    known = {var.name for var in SDK_VARIABLES} | set(env_variables())
    named: set[str] = set()
    for path in (ROOT / "cairn").rglob("*.py"):
        named.update(re.findall(r"\bCAIRN_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    prefixes = {"CAIRN_SERVER"}  # ENV_PREFIX spelled without the field
    assert sorted(named - known - prefixes) == []


def test_each_sdk_variable_sets_a_real_setting() -> None:
    fields = set(Settings.__dataclass_fields__)
    assert {v.setting for v in SDK_VARIABLES if v.setting} <= fields
    assert len({v.name for v in SDK_VARIABLES}) == len(SDK_VARIABLES)
