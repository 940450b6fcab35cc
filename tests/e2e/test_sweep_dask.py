"""End-to-end: sweeps on a Dask cluster (a LocalCluster on loopback, closed in each test), an unreachable
scheduler, and ``tariffscope scenario sweep`` run as a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tariffscope.errors import NetworkError
from tariffscope.scenario.run import ScenarioRun, run_scenario
from tariffscope.scenario.sweep import SweepInterrupted, SweepSpec, run_sweep
from tariffscope.scenario.tree import Scenario, load_scenario

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("us-japan-2025")


@pytest.fixture(scope="module")
def ge_run(scenario: Scenario) -> ScenarioRun:
    """Two branches with GE and PE: enough for the comparison, quick to sweep."""
    return run_scenario(scenario, branches=["snapback", "deal"])


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def cluster() -> Iterator[object]:
    """Two worker processes on loopback TCP, no dashboard."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as c:
        yield c


@pytest.fixture
def thread_cluster() -> Iterator[object]:
    """Two worker threads in this process, still talking TCP on loopback."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp", host="127.0.0.1") as c:
        yield c


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dask_cluster_gives_the_in_process_numbers(scenario: Scenario, ge_run: ScenarioRun, cluster: object,
                                                   home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = SweepSpec(draws=16, chunk_size=4, seed=2)
    local = run_sweep(scenario, spec, base_run=ge_run)
    monkeypatch.setenv("TARIFFSCOPE_HOME", str(home / "dask"))
    seen: list[int] = []
    remote = run_sweep(scenario, spec, base_run=ge_run, scheduler=cluster.scheduler_address,  # type: ignore[attr-defined]
                       progress=seen.append)
    assert remote.chunks_done == remote.chunks_total == 4 and remote.chunks_loaded == 0
    assert seen == [1, 1, 1, 1]
    assert remote.sweep_id == local.sweep_id
    np.testing.assert_array_equal(remote.values, local.values)
    np.testing.assert_array_equal(remote.probabilities, local.probabilities)


def test_interrupted_dask_sweep_resumes(scenario: Scenario, ge_run: ScenarioRun, thread_cluster: object) -> None:
    spec = SweepSpec(draws=12, chunk_size=3, seed=5)
    address = thread_cluster.scheduler_address  # type: ignore[attr-defined]

    def stop(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as caught:
        run_sweep(scenario, spec, base_run=ge_run, scheduler=address, progress=stop)
    kept = caught.value.partial
    assert kept is not None and 1 <= kept.chunks_done < kept.chunks_total
    resumed = run_sweep(scenario, spec, base_run=ge_run, scheduler=address)
    assert resumed.chunks_loaded == kept.chunks_done and resumed.complete
    reference = run_sweep(scenario, spec, base_run=ge_run, resume=False)
    np.testing.assert_array_equal(resumed.values, reference.values)


def test_unreachable_scheduler_is_a_network_error_not_a_hang(scenario: Scenario) -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.perf_counter()
    with pytest.raises(NetworkError) as caught:
        # no base run given: the connection is checked before the deterministic run
        run_sweep(scenario, SweepSpec(draws=10), scheduler=address, timeout=1.0)
    elapsed = time.perf_counter() - start
    assert elapsed < 6.0
    message = str(caught.value)
    assert address in message and "1 s" in message


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TARIFFSCOPE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "tariffscope.cli.main", "scenario", "sweep", *args],
                          capture_output=True, text=True, timeout=180, check=False, env=env)


def test_cli_sweep_json_and_bad_scheduler(home: Path) -> None:
    done = _cli("us-japan-2025", "--draws", "8", "--seed", "3", "--json", home=home)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["draws"] == 8 and payload["seed"] == 3
    assert [b["name"] for b in payload["branches"]] == ["snapback", "deal", "rollback", "escalation"]
    assert payload["expected"]["real_gdp_change"]["p5"] <= payload["expected"]["real_gdp_change"]["p95"]
    address = f"tcp://127.0.0.1:{_closed_port()}"
    bad = _cli("us-japan-2025", "--draws", "8", "--scheduler", address, "--timeout", "1", home=home)
    assert bad.returncode == 2
    assert address in bad.stderr and "Traceback" not in bad.stderr
