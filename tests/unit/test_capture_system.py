"""System monitor: samples on a short interval, survives failures, stops when asked."""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cairn.sdk.capture.system import SystemMonitor

DEADLINE_S = 30.0
ALWAYS = {
    "system/cpu.percent",
    "system/proc.cpu.percent",
    "system/memory.percent",
    "system/proc.memory.rss_mb",
    "system/disk.percent",
}


class Samples:
    """Collects emitted samples; waits for a count without fixed sleeps."""

    def __init__(self, fail_first: int = 0) -> None:
        self.items: list[tuple[float, dict[str, float]]] = []
        self.calls = 0
        self._fail_first = fail_first
        self._cond = threading.Condition()

    def emit(self, wall_time: float, values: dict[str, float]) -> None:
        with self._cond:
            self.calls += 1
            self._cond.notify_all()
            if self.calls <= self._fail_first:
                raise RuntimeError("emit failed")
            self.items.append((wall_time, values))

    def wait_for(self, count: int) -> list[tuple[float, dict[str, float]]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.items) >= count, DEADLINE_S)
            return list(self.items)


@pytest.fixture
def no_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)


@pytest.fixture
def monitors() -> Iterator[Callable[..., SystemMonitor]]:
    made: list[SystemMonitor] = []

    def make(*args: Any, **kwargs: Any) -> SystemMonitor:
        made.append(SystemMonitor(*args, **kwargs))
        return made[-1]

    yield make
    for monitor in made:
        monitor.stop(timeout_s=DEADLINE_S)


@pytest.mark.usefixtures("no_nvml")
def test_emits_samples_with_system_keys(monitors: Callable[..., SystemMonitor]) -> None:
    samples = Samples()
    before = time.time()
    monitor = monitors(samples.emit, interval_s=0.05)
    monitor.start()
    items = samples.wait_for(2)
    for wall_time, values in items:
        assert wall_time >= before
        assert values.keys() >= ALWAYS
        assert all(key.startswith("system/") for key in values)
        assert all(isinstance(v, float) for v in values.values())
        assert not [key for key in values if key.startswith("system/gpu.")]
        assert 0.0 <= values["system/cpu.percent"] <= 100.0
        assert values["system/proc.memory.rss_mb"] > 1.0


def test_stop_ends_the_thread(monitors: Callable[..., SystemMonitor]) -> None:
    samples = Samples()
    monitor = monitors(samples.emit, interval_s=0.05)
    monitor.start()
    assert monitor.running
    samples.wait_for(1)
    monitor.stop(timeout_s=DEADLINE_S)
    assert not monitor.running
    count = samples.calls
    monitor.stop()  # a second stop is harmless
    assert samples.calls == count


def test_stop_wakes_a_long_interval(monitors: Callable[..., SystemMonitor]) -> None:
    samples = Samples()
    monitor = monitors(samples.emit, interval_s=3600)
    monitor.start()
    monitor.stop(timeout_s=DEADLINE_S)
    assert not monitor.running
    assert samples.calls == 0


def test_start_twice_runs_one_thread(monitors: Callable[..., SystemMonitor]) -> None:
    monitor = monitors(Samples().emit, interval_s=3600)
    monitor.start()
    monitor.start()
    threads = [t for t in threading.enumerate() if t.name == "cairn-system-monitor"]
    assert len(threads) == 1


def test_emit_raising_does_not_kill_the_thread(
    monitors: Callable[..., SystemMonitor], caplog: pytest.LogCaptureFixture
) -> None:
    samples = Samples(fail_first=1)
    monitor = monitors(samples.emit, interval_s=0.05)
    monitor.start()
    samples.wait_for(2)
    assert monitor.running
    assert sum("emit failed" in r.getMessage() for r in caplog.records) == 1


class FakeNVMLError(Exception):
    pass


class FakeNotSupported(FakeNVMLError):
    pass


def fake_nvml(count: int) -> Any:
    nvml: Any = types.ModuleType("pynvml")
    nvml.NVMLError = FakeNVMLError
    nvml.NVMLError_NotSupported = FakeNotSupported
    nvml.NVML_TEMPERATURE_GPU = 0
    nvml.power_calls = 0
    nvml.nvmlInit = lambda: None
    nvml.nvmlShutdown = lambda: None
    nvml.nvmlDeviceGetCount = lambda: count
    nvml.nvmlDeviceGetHandleByIndex = lambda i: i
    nvml.nvmlDeviceGetUtilizationRates = lambda h: types.SimpleNamespace(gpu=50 + h, memory=10)
    nvml.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=4 * 2**30, used=2**30)
    nvml.nvmlDeviceGetTemperature = lambda h, sensor: 60

    def power(h: int) -> int:
        if h == 1:
            nvml.power_calls += 1
            raise FakeNotSupported("Not Supported")
        return 250_000

    nvml.nvmlDeviceGetPowerUsage = power
    return nvml


def test_gpu_metrics_through_nvml(
    monitors: Callable[..., SystemMonitor], monkeypatch: pytest.MonkeyPatch
) -> None:
    nvml = fake_nvml(2)
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    samples = Samples()
    monitor = monitors(samples.emit, interval_s=0.05)
    monitor.start()
    values = samples.wait_for(3)[-1][1]
    assert values["system/gpu.0.utilization"] == 50.0
    assert values["system/gpu.1.utilization"] == 51.0
    assert values["system/gpu.0.memory_percent"] == 25.0
    assert values["system/gpu.0.memory_allocated_mb"] == 1024.0
    assert values["system/gpu.0.temperature_c"] == 60.0
    assert values["system/gpu.0.power_w"] == 250.0
    assert "system/gpu.1.power_w" not in values
    assert nvml.power_calls == 1  # not supported: not asked again


def test_nvml_without_driver_gives_no_gpu_keys(
    monitors: Callable[..., SystemMonitor], monkeypatch: pytest.MonkeyPatch
) -> None:
    nvml = fake_nvml(1)

    def no_driver() -> None:
        raise FakeNVMLError("Driver Not Loaded")

    nvml.nvmlInit = no_driver
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    samples = Samples()
    monitor = monitors(samples.emit, interval_s=0.05)
    monitor.start()
    values = samples.wait_for(1)[0][1]
    assert values.keys() >= ALWAYS
    assert not [key for key in values if key.startswith("system/gpu.")]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_sees_the_monitor_stopped(monitors: Callable[..., SystemMonitor]) -> None:
    monitor = monitors(Samples().emit, interval_s=3600)
    monitor.start()
    pid = os.fork()
    if pid == 0:  # the child: report through the exit status only
        os._exit(0 if not monitor.running else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert monitor.running
