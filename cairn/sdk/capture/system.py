"""System metrics (CPU, memory, disk, network, NVIDIA GPUs) sampled on a daemon thread."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cairn.sdk.capture import forks
from cairn.sdk.capture.environment import load_nvml

if TYPE_CHECKING:
    import psutil

log = logging.getLogger(__name__)

MB = float(2**20)
Emit = Callable[[float, dict[str, float]], None]

# The GPU metrics read per device each tick: key suffix -> reader(nvml, handle).
_GPU_READERS: dict[str, Callable[[Any, Any], float]] = {
    "utilization": lambda nvml, h: float(nvml.nvmlDeviceGetUtilizationRates(h).gpu),
    "memory_percent": lambda nvml, h: _memory_percent(nvml.nvmlDeviceGetMemoryInfo(h)),
    "memory_allocated_mb": lambda nvml, h: nvml.nvmlDeviceGetMemoryInfo(h).used / MB,
    "temperature_c": lambda nvml, h: float(
        nvml.nvmlDeviceGetTemperature(h, nvml.NVML_TEMPERATURE_GPU)
    ),
    "power_w": lambda nvml, h: nvml.nvmlDeviceGetPowerUsage(h) / 1000.0,
}


def _memory_percent(info: Any) -> float:
    """Used GPU memory as a percentage of the total."""
    return 100.0 * info.used / info.total if info.total else 0.0


class SystemMonitor:
    """Calls ``emit(wall_time, values)`` every ``interval_s`` with ``system/...`` metrics.

    Keys: ``system/cpu.percent`` (whole machine, 0-100), ``system/proc.cpu.percent`` (the
    process and its live children, 100 = one core, as in ``top``), ``system/memory.percent``,
    ``system/proc.memory.rss_mb`` (the process alone: forked workers share its pages, so a sum
    would over-count), ``system/disk.percent`` (the filesystem of the working directory at
    start), ``system/disk.read_mb`` / ``write_mb`` and ``system/network.sent_mb`` / ``recv_mb``
    (machine-wide, since start) and, per NVIDIA GPU ``i`` as NVML numbers them,
    ``system/gpu.{i}.utilization``, ``.memory_percent``, ``.memory_allocated_mb``,
    ``.temperature_c``, ``.power_w``. MB is 2**20 bytes. A metric that cannot be read is
    left out; GPU keys are absent without nvidia-ml-py or an NVIDIA driver.

    The first sample comes one interval after ``start()``. Errors in a tick are logged once
    and never stop the thread. Threads do not survive ``fork()``: in a forked child the
    monitor is marked stopped, and the child may ``start()`` it again to monitor itself.
    """

    def __init__(self, emit: Emit, interval_s: float = 10.0, pid: int | None = None) -> None:
        self._emit = emit
        self._interval_s = interval_s
        self._pid = pid
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._logged_error = False
        forks.on_fork(self)

    @property
    def running(self) -> bool:
        """Whether the sampling thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start sampling on a daemon thread; does nothing if already running."""
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), name="cairn-system-monitor", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Wake the thread at once and wait up to ``timeout_s`` for it to end."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                log.debug("system monitor still busy after %.1f s; left to end alone", timeout_s)
        self._thread = None

    def after_fork_in_child(self) -> None:
        """Mark the monitor stopped in a forked child, where its thread does not exist."""
        # A fresh Event: the parent's may have been mid-wait, its lock held, at the fork.
        self._stop = threading.Event()
        self._stop.set()
        self._thread = None

    def _log_once(self, what: str, exc: BaseException) -> None:
        """Log the first failure with its traceback, later ones at debug level only."""
        if not self._logged_error:
            self._logged_error = True
            log.warning(
                "system metrics: %s failed; later failures logged at debug", what, exc_info=exc
            )
        else:
            log.debug("system metrics: %s failed: %s", what, exc)

    def _run(self, stop: threading.Event) -> None:
        """The thread: prime the counters, then sample every interval until stopped."""
        try:
            sampler = _Sampler(self._pid or os.getpid())
        except Exception as exc:
            self._log_once("starting", exc)
            return
        try:
            while not stop.wait(self._interval_s):
                try:
                    values = sampler.sample()
                except Exception as exc:
                    self._log_once("sampling", exc)
                    continue
                try:
                    self._emit(time.time(), values)
                except Exception as exc:
                    self._log_once("emit", exc)
        finally:
            sampler.close()


class _Sampler:
    """Reads one sample; made on the monitor thread so psutil's baselines belong to it."""

    def __init__(self, pid: int) -> None:
        import psutil

        self._psutil = psutil
        self._process = psutil.Process(pid)
        self._children: dict[int, psutil.Process] = {}
        try:
            self._disk_path = os.getcwd()
        except OSError:
            self._disk_path = os.path.abspath(os.sep)
        # cpu_percent(None) measures since the previous call: prime both counters now.
        psutil.cpu_percent(None)
        self._process.cpu_percent(None)
        self._disk0 = _safe(psutil.disk_io_counters)
        self._net0 = _safe(psutil.net_io_counters)
        self._nvml: ModuleType | None = load_nvml()
        self._gpus: list[Any] = []
        self._unsupported: set[tuple[int, str]] = set()
        if self._nvml is not None:
            try:
                count = self._nvml.nvmlDeviceGetCount()
                self._gpus = [self._nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            except Exception as exc:
                log.debug("NVML device listing failed; no GPU metrics: %s", exc)
                self.close()

    def close(self) -> None:
        """Release NVML if this sampler initialised it."""
        if self._nvml is not None:
            try:
                self._nvml.nvmlShutdown()
            except Exception as exc:
                log.debug("nvmlShutdown failed: %s", exc)
            self._nvml = None
            self._gpus = []

    def _process_cpu(self) -> float:
        """CPU percent of the process plus its live children (100 = one core)."""
        total = self._process.cpu_percent(None)
        live: dict[int, psutil.Process] = {}
        try:
            children = self._process.children(recursive=True)
        except self._psutil.Error:
            children = []
        for child in children:
            # Reuse the Process objects: each keeps its own cpu_percent baseline.
            known = self._children.get(child.pid)
            if known is None or known != child:  # != compares creation times: a reused pid
                known = child
            try:
                total += known.cpu_percent(None)
            except self._psutil.Error:
                continue
            live[child.pid] = known
        self._children = live
        return total

    def sample(self) -> dict[str, float]:
        """One reading of every metric that can be read."""
        ps = self._psutil
        values: dict[str, float] = {
            "system/cpu.percent": ps.cpu_percent(None),
            "system/proc.cpu.percent": self._process_cpu(),
            "system/memory.percent": ps.virtual_memory().percent,
            "system/proc.memory.rss_mb": self._process.memory_info().rss / MB,
        }
        disk_usage = _safe(lambda: ps.disk_usage(self._disk_path))
        if disk_usage is not None:
            values["system/disk.percent"] = disk_usage.percent
        disk = _safe(ps.disk_io_counters)
        if disk is not None and self._disk0 is not None:
            values["system/disk.read_mb"] = (disk.read_bytes - self._disk0.read_bytes) / MB
            values["system/disk.write_mb"] = (disk.write_bytes - self._disk0.write_bytes) / MB
        net = _safe(ps.net_io_counters)
        if net is not None and self._net0 is not None:
            values["system/network.sent_mb"] = (net.bytes_sent - self._net0.bytes_sent) / MB
            values["system/network.recv_mb"] = (net.bytes_recv - self._net0.bytes_recv) / MB
        values.update(self._gpu_values())
        return values

    def _gpu_values(self) -> dict[str, float]:
        """Each GPU's readings; a reading the device does not support is not tried again."""
        values: dict[str, float] = {}
        nvml = self._nvml
        if nvml is None:
            return values
        for index, handle in enumerate(self._gpus):
            for name, read in _GPU_READERS.items():
                if (index, name) in self._unsupported:
                    continue
                try:
                    values[f"system/gpu.{index}.{name}"] = read(nvml, handle)
                except nvml.NVMLError_NotSupported:
                    self._unsupported.add((index, name))
                except nvml.NVMLError as exc:
                    log.debug("GPU %d %s: %s", index, name, exc)
        return values


def _safe(read: Callable[[], Any]) -> Any:
    """``read()``, or None where psutil cannot read it here (no disks, a container, ...)."""
    try:
        return read()
    except Exception as exc:
        log.debug("system metric unavailable: %s", exc)
        return None
