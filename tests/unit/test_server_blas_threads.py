"""`cairn server` runs numpy's BLAS on one thread per process unless the operator says otherwise."""

from __future__ import annotations

import os

import pytest

from cairn.cli import server_cmd


def test_one_blas_thread_by_default_and_the_operators_choice_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environ = {"MKL_NUM_THREADS": "4"}  # a private environment: nothing leaks to other tests
    monkeypatch.setattr(os, "environ", environ)
    server_cmd._one_blas_thread()
    assert environ == {"MKL_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
