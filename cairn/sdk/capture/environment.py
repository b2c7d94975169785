"""The environment a run executes in: Python, OS, host, command, CPU, memory, GPUs, packages."""

from __future__ import annotations

import getpass
import importlib
import logging
import os
import platform
import re
import socket
import sys
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)


def load_nvml() -> ModuleType | None:
    """The initialised ``pynvml`` module (nvidia-ml-py), or None without it or an NVIDIA driver.

    A caller that gets a module must call ``nvmlShutdown()`` when done (NVML counts inits).
    """
    try:
        # Imported by name so that neither mypy nor `import cairn` needs nvidia-ml-py.
        nvml = importlib.import_module("pynvml")
    except ImportError:
        return None
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound / DriverNotLoaded and kin
        log.debug("NVML unavailable: %s", exc)
        return None
    return nvml


def _text(value: Any) -> str:
    """NVML strings: bytes in old nvidia-ml-py releases, str in new ones."""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _gpus() -> dict[str, Any]:
    """Count, models, memory and driver of the NVIDIA GPUs NVML sees; empty without NVML."""
    nvml = load_nvml()
    if nvml is None:
        return {}
    try:
        count = int(nvml.nvmlDeviceGetCount())
        handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        info: dict[str, Any] = {
            "gpu_count": count,
            "gpu_models": [_text(nvml.nvmlDeviceGetName(h)) for h in handles],
            "gpu_memory_total_bytes": [int(nvml.nvmlDeviceGetMemoryInfo(h).total) for h in handles],
            "gpu_driver": _text(nvml.nvmlSystemGetDriverVersion()),
        }
        try:
            cuda = int(nvml.nvmlSystemGetCudaDriverVersion())
            info["cuda_driver_version"] = f"{cuda // 1000}.{cuda % 1000 // 10}"
        except Exception as exc:  # an old driver without the call
            log.debug("CUDA driver version unavailable: %s", exc)
        return info
    except Exception as exc:
        log.debug("reading GPU details failed: %s", exc)
        return {}
    finally:
        try:
            nvml.nvmlShutdown()
        except Exception as exc:
            log.debug("nvmlShutdown failed: %s", exc)


def _cpu_model() -> str | None:
    """The CPU's marketing name, read without a subprocess where the OS allows it."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                for line in f:
                    # "model name" on x86, "Model" or "Hardware" on some ARM boards.
                    key, _, value = line.partition(":")
                    if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                        return value.strip()
        except OSError:
            pass
        return platform.machine() or None
    if sys.platform == "darwin":
        import subprocess

        try:  # unavoidable: the brand string is only reachable through sysctl
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=1.0,
                check=False,
            )
            if out.returncode == 0 and out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
        return platform.machine() or None
    return platform.processor() or platform.machine() or None


def _os_name() -> str:
    """A readable OS name: the distribution on Linux, the release on macOS and Windows."""
    # Not platform.platform(): on Linux it runs `uname -p` in a subprocess.
    system = platform.system()
    if system == "Linux":
        try:
            return platform.freedesktop_os_release().get("PRETTY_NAME", "Linux")
        except OSError:
            return "Linux"
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    return system


def _username() -> str | None:
    """The OS user's name, or None in a container without a passwd entry."""
    try:
        return getpass.getuser()
    except Exception:
        return None


def _hostname() -> str | None:
    """This machine's host name, or None where it cannot be read."""
    try:
        return socket.gethostname()
    except OSError:
        return None


def _program() -> str | None:
    """The path of the script that was run, or None in an interactive session."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if isinstance(path, str):
        return os.path.abspath(path)
    if sys.argv and sys.argv[0] and sys.argv[0] not in ("-c", "-m"):
        return os.path.abspath(sys.argv[0])
    return None


def collect_environment() -> dict[str, Any]:
    """Python, OS, host, user, command line, cwd, CPU, memory and GPUs of this process, flat.

    Keys: python_version, python_implementation, executable, os, os_system, os_release,
    machine, hostname, username, program, argv, cwd, cpu_model, cpu_count,
    cpu_count_physical, memory_total_bytes and, where NVML sees NVIDIA GPUs, gpu_count,
    gpu_models, gpu_memory_total_bytes, gpu_driver, cuda_driver_version. Values that cannot
    be read are None; GPU keys are absent without nvidia-ml-py or a driver. Never raises.
    """
    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the directory was removed under us
        cwd = None
    env: dict[str, Any] = {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "os": _os_name(),
        "os_system": platform.system(),
        "os_release": platform.release(),
        "machine": platform.machine(),
        "hostname": _hostname(),
        "username": _username(),
        "program": _program(),
        "argv": list(sys.argv),
        "cwd": cwd,
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_count_physical": None,
        "memory_total_bytes": None,
    }
    try:
        import psutil

        env["cpu_count_physical"] = psutil.cpu_count(logical=False)
        env["memory_total_bytes"] = int(psutil.virtual_memory().total)
    except Exception as exc:
        log.debug("psutil could not read CPU/memory: %s", exc)
    env.update(_gpus())
    return env


def _normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> list[str]:
    """Every installed distribution as ``name==version``, sorted, one per name.

    Where a name is installed twice on ``sys.path``, the first found (the one imported) wins.
    """
    import importlib.metadata  # not at the top: it costs `import cairn` several milliseconds

    seen: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        try:
            name, version = _name_and_version(dist)
        except Exception as exc:  # a broken .dist-info
            log.debug("skipping unreadable distribution %s: %s", dist, exc)
            continue
        if not name or not version:
            continue
        seen.setdefault(_normalise(name), f"{name}=={version}")
    return [seen[key] for key in sorted(seen)]


def _name_and_version(dist: Any) -> tuple[str | None, str | None]:
    """Name and version from the metadata's header lines.

    ``dist.metadata`` runs the email parser over the whole file, long description included:
    ~0.5 ms a distribution, most of a first run's wait at ``finish()``.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = None
    for line in text.split("\n\n", 1)[0].splitlines():
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
    if name and version:
        return name, version
    return dist.metadata["Name"], dist.version
