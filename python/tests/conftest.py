"""Two servers for every test that takes `server`: the fake one (tests/fake_server.py) and the real
`node dist/bridge/cli/main.js`. The real one is skipped when dist has no serve-env, except under CI=true,
where it must be there (the vitest wrapper test/python/sspe-gym.test.ts builds dist first)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The tests exercise the source tree (python/sspe_gym), installed or not; test_install checks the installed copy.
sys.path.insert(0, str(REPO / "python"))
SCENARIOS = REPO / "scenarios"
CLI = REPO / "dist" / "bridge" / "cli" / "main.js"
FAKE_COMMAND = [sys.executable, str(Path(__file__).with_name("fake_server.py"))]
IN_CI = os.environ.get("CI") == "true"
#: The scenarios the multi-agent tests run (PettingZoo's parallel_api_test).
PARALLEL_SCENARIOS = ["diurnal-pool.yaml", "paper-testbed.yaml"]


@dataclass
class Server:
    name: str
    command: list[str]
    #: Scenario files whose single-agent environment this server runs.
    single: list[Path] = field(default_factory=list)
    parallel: list[Path] = field(default_factory=list)

    @property
    def scenario(self) -> Path:
        return SCENARIOS / "paper-testbed.yaml"


@lru_cache(maxsize=None)
def real_server_problem() -> str | None:
    """Why the real server cannot run here, or None."""
    if not CLI.is_file():
        return f"no {CLI}; run `npm run build`"
    try:
        probe = subprocess.run(["node", str(CLI), "serve-env", "--help"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`node {CLI} serve-env --help` failed: {error}"
    if probe.returncode != 0:
        return f"`node {CLI} serve-env --help` exited {probe.returncode}: {(probe.stderr or probe.stdout).strip()[-300:]}"
    return None


def fake_server() -> Server:
    return Server("fake", FAKE_COMMAND, [SCENARIOS / "paper-testbed.yaml"], [SCENARIOS / p for p in PARALLEL_SCENARIOS])


def real_server() -> Server:
    problem = real_server_problem()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"expected the real sspe serve-env under CI=true, found none: {problem}")
        pytest.skip(problem)
    # Every shipped scenario runs on the simulator, local-cluster.yaml too (serve-env simulates it with its
    # fitted local-machine profile; test_env checks it explicitly), so check_env covers them all.
    return Server("real", ["node", str(CLI)], sorted(SCENARIOS.glob("*.yaml")), [SCENARIOS / p for p in PARALLEL_SCENARIOS])


@pytest.fixture(params=["fake", "real"])
def server(request: pytest.FixtureRequest) -> Server:
    return fake_server() if request.param == "fake" else real_server()


@pytest.fixture
def fake() -> Server:
    return fake_server()


@pytest.fixture
def real() -> Server:
    return real_server()


def child_pids() -> set[int]:
    """Live (not zombie) processes whose parent is this one: a leaked server shows up here."""
    me = os.getpid()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, ppid = fields[0], int(fields[1])
        if ppid == me and state != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def no_leaked_servers():
    """Every test ends with no server process of its own left running (close and GC clean up)."""
    before = child_pids()
    yield
    import gc

    gc.collect()
    leaked = child_pids() - before
    assert leaked == set(), f"expected no server processes left after the test, found pids {sorted(leaked)}"
