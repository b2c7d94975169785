"""Environment capture: what is recorded, GPUs through a stand-in NVML, installed packages."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import types
from importlib.metadata import version
from typing import Any

import pytest

from cairn.sdk.capture.environment import collect_environment, installed_packages


class FakeNVMLError(Exception):
    pass


def fake_nvml(count: int = 2, *, init_fails: bool = False) -> types.ModuleType:
    """A stand-in for nvidia-ml-py's ``pynvml`` with ``count`` GPUs."""
    nvml: Any = types.ModuleType("pynvml")
    nvml.NVMLError = FakeNVMLError
    nvml.calls = []

    def init() -> None:
        if init_fails:
            raise FakeNVMLError("NVML Shared Library Not Found")
        nvml.calls.append("init")

    nvml.nvmlInit = init
    nvml.nvmlShutdown = lambda: nvml.calls.append("shutdown")
    nvml.nvmlDeviceGetCount = lambda: count
    nvml.nvmlDeviceGetHandleByIndex = lambda i: i
    nvml.nvmlDeviceGetName = lambda h: b"NVIDIA H100 80GB HBM3" if h == 0 else "NVIDIA A100"
    nvml.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(
        total=80 * 2**30, used=2**30, free=79 * 2**30
    )
    nvml.nvmlSystemGetDriverVersion = lambda: "550.54.15"
    nvml.nvmlSystemGetCudaDriverVersion = lambda: 12040
    module: types.ModuleType = nvml
    return module


def test_records_python_host_and_command() -> None:
    env = collect_environment()
    assert env["python_version"] == platform.python_version()
    assert env["executable"] == sys.executable
    assert env["argv"] == sys.argv
    assert env["cwd"] == os.getcwd()
    assert env["hostname"]
    assert env["os_system"] == platform.system()
    assert isinstance(env["os"], str)
    assert env["username"] is None or isinstance(env["username"], str)
    assert env["cpu_count"] >= 1
    assert env["memory_total_bytes"] > 0
    assert env["program"] is None or os.path.isabs(env["program"])


def test_no_gpu_keys_without_pynvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` fail
    env = collect_environment()
    assert not [key for key in env if key.startswith(("gpu", "cuda"))]


def test_no_gpu_keys_without_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(init_fails=True))
    env = collect_environment()
    assert "gpu_count" not in env


def test_gpus_through_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml = fake_nvml(2)
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    env = collect_environment()
    assert env["gpu_count"] == 2
    assert env["gpu_models"] == ["NVIDIA H100 80GB HBM3", "NVIDIA A100"]
    assert env["gpu_memory_total_bytes"] == [80 * 2**30, 80 * 2**30]
    assert env["gpu_driver"] == "550.54.15"
    assert env["cuda_driver_version"] == "12.4"
    assert nvml.calls == ["init", "shutdown"]


def test_nvml_failure_after_init_still_shuts_down(monkeypatch: pytest.MonkeyPatch) -> None:
    nvml: Any = fake_nvml(1)

    def broken(_: int) -> None:
        raise FakeNVMLError("GPU is lost")

    nvml.nvmlDeviceGetHandleByIndex = broken
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    assert "gpu_count" not in collect_environment()
    assert nvml.calls == ["init", "shutdown"]


def test_installed_packages_sorted_unique_pinned() -> None:
    packages = installed_packages()
    assert all(re.fullmatch(r"[^=\s]+==\S+", p) for p in packages)
    names = [re.sub(r"[-_.]+", "-", p.split("==")[0]).lower() for p in packages]
    assert names == sorted(set(names))
    assert f"pytest=={version('pytest')}" in packages


def test_capture_modules_import_light() -> None:
    code = (
        "import sys\n"
        "import cairn.sdk.capture.git, cairn.sdk.capture.environment\n"
        "import cairn.sdk.capture.system, cairn.sdk.capture.console\n"
        "print(sorted({'numpy', 'httpx', 'psutil', 'pynvml', 'torch'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
