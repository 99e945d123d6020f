"""A real standalone Flink 1.19 session cluster on this machine: one JobManager and N TaskManagers as
separate JVM processes, plus the Beam worker pool their SDK workers start from.

The distribution is assembled from PyPI alone, once, by the install step (`make deps`): the sdist
of `apache-flink-libraries` carries Flink's jars (`deps/lib`, `deps/plugins`, `deps/bin/
bash-java-utils.jar`) and the wheel of `apache-flink` carries the launcher scripts (`pyflink/bin`)
and the stock configuration (`pyflink/conf`). Flink 1.19.0 is the Flink of Beam 2.62's runner.

Every address is bound to 127.0.0.1. Logs, checkpoints, savepoints and the state file that `stop`
and `status` read live under the project cache (`<cache>/flink-cluster/`)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.config import cache_dir
from pipelines.runners.flink import JAVA17_OPENS
from pipelines.runners.flink_metrics import REPORTER_FACTORY
from pipelines.versions import FLINK_VERSION

LOG = logging.getLogger(__name__)
HOST = "127.0.0.1"
LIBRARIES_SDIST = "apache-flink-libraries"
LAUNCHER_WHEEL = "apache-flink"
# Sizes that let a JobManager and two TaskManagers share this 2-core, 24 GB machine with the job
# server and the SDK workers; a real cluster sets its own.
JOBMANAGER_MEMORY = "1024m"
TASKMANAGER_MEMORY = "1280m"
# A killed TaskManager is declared lost after this long without heartbeats (Flink's default is 50 s).
HEARTBEAT_TIMEOUT_MS = 15_000


# What every Flink cluster of the project runs with, here and on Kubernetes (deploy/k8s/
# flink-session.yaml; tests/test_ops_deploy.py checks that the two agree).
SHARED_SETTINGS: dict[str, str] = {
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    "env.java.opts.all": " ".join(JAVA17_OPENS),
    "metrics.reporter.prom.factory.class": REPORTER_FACTORY,
    "metrics.scope.delimiter": ".",
}
WORKER_POOL_MODULE = "pipelines.runners.worker_pool"


class FlinkClusterError(RuntimeError):
    """The cluster could not be assembled, started or reached."""


def distribution_dir(version: str = FLINK_VERSION) -> Path:
    return cache_dir() / f"flink-{version}"


def cluster_dir() -> Path:
    return cache_dir() / "flink-cluster"


def cluster_state_dir() -> Path:
    """Checkpoints, savepoints and the record of submitted jobs: kept across stops and starts."""
    return cluster_dir() / "state"


def ensure_distribution(version: str = FLINK_VERSION) -> Path:
    """Flink's home directory (bin/, lib/, plugins/, conf/), assembled from PyPI once."""
    home = distribution_dir(version)
    if (home / "lib" / f"flink-dist-{version}.jar").exists() and (home / "bin" / "jobmanager.sh").exists():
        return home
    home.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.parent) as scratch:
        download = Path(scratch) / "download"
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(download)]
        subprocess.run(pip + ["--no-binary", ":all:", f"{LIBRARIES_SDIST}=={version}"], check=True)
        subprocess.run(pip + ["--only-binary", ":all:", f"{LAUNCHER_WHEEL}=={version}"], check=True)
        staged = Path(scratch) / "home"
        for folder in ("bin", "lib", "plugins", "conf", "log"):
            (staged / folder).mkdir(parents=True)
        sdist = next(download.glob(f"{LIBRARIES_SDIST.replace('-', '?')}-{version}.tar.gz"))
        with tarfile.open(sdist) as archive:
            prefix = f"{sdist.name[:-len('.tar.gz')]}/deps/"
            for member in archive.getmembers():
                if not member.isfile() or not member.name.startswith(prefix):
                    continue
                relative = member.name[len(prefix):]
                if relative.split("/")[0] not in ("lib", "plugins", "bin"):
                    continue
                target = staged / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, open(target, "wb") as sink:  # type: ignore[union-attr]
                    shutil.copyfileobj(source, sink)
        wheel = next(download.glob("apache_flink-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                for folder in ("bin", "conf"):
                    if name.startswith(f"pyflink/{folder}/") and not name.endswith("/"):
                        target = staged / folder / Path(name).name
                        target.write_bytes(archive.read(name))
                        if folder == "bin":
                            target.chmod(0o755)
        if home.exists():
            shutil.rmtree(home)
        staged.rename(home)
    return home


@dataclass
class ClusterState:
    """What `start` launched; written to `<cache>/flink-cluster/state.json` for `stop` and `status`."""

    rest_port: int
    rpc_port: int
    worker_pool_port: int
    slots: int
    jobmanager_pid: int
    worker_pool_pid: int
    taskmanager_pids: list[int] = field(default_factory=list)

    @property
    def rest_address(self) -> str:
        return f"{HOST}:{self.rest_port}"

    @property
    def worker_pool(self) -> str:
        return f"{HOST}:{self.worker_pool_port}"


def _state_file() -> Path:
    return cluster_dir() / "state.json"


def read_state() -> ClusterState | None:
    try:
        return ClusterState(**json.loads(_state_file().read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _write_state(state: ClusterState) -> None:
    _state_file().write_text(json.dumps(asdict(state)))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def write_config(conf_dir: Path, state_dir: Path, rest_port: int, rpc_port: int, slots: int) -> Path:
    """Flink's config.yaml for a loopback-only session cluster with retained checkpoints."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    settings = {
        **SHARED_SETTINGS,
        "jobmanager.rpc.address": HOST,
        "jobmanager.rpc.port": rpc_port,
        "jobmanager.bind-host": HOST,
        "jobmanager.memory.process.size": JOBMANAGER_MEMORY,
        "taskmanager.host": HOST,
        "taskmanager.bind-host": HOST,
        "taskmanager.memory.process.size": TASKMANAGER_MEMORY,
        "taskmanager.numberOfTaskSlots": slots,
        "rest.address": HOST,
        "rest.bind-address": HOST,
        "rest.port": rest_port,
        "blob.server.port": "0",
        "parallelism.default": 1,
        "heartbeat.timeout": HEARTBEAT_TIMEOUT_MS,
        "heartbeat.interval": HEARTBEAT_TIMEOUT_MS // 5,
        "state.checkpoints.dir": (state_dir / "checkpoints").as_uri(),
        "state.savepoints.dir": (state_dir / "savepoints").as_uri(),
        "metrics.reporter.prom.port": "9250-9260",
        "restart-strategy.type": "fixed-delay",
        "restart-strategy.fixed-delay.attempts": 1000,
        "restart-strategy.fixed-delay.delay": "2 s",
        "io.tmp.dirs": str(state_dir / "tmp"),
    }
    (state_dir / "tmp").mkdir(parents=True, exist_ok=True)
    lines = ["# Written by pipelines/runners/flink_cluster.py on every start."]
    lines += [f"{key}: {json.dumps(value) if isinstance(value, str) else value}" for key, value in settings.items()]
    path = conf_dir / "config.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _environment(home: Path, base: Path) -> dict[str, str]:
    return dict(os.environ, FLINK_HOME=str(home), FLINK_CONF_DIR=str(base / "conf"), FLINK_LOG_DIR=str(base / "log"),
                FLINK_PID_DIR=str(base / "pids"))


def _launch(command: list[str], env: dict[str, str], log_path: Path) -> int:
    """Start a daemon of the cluster in a session of its own (it outlives the launching command)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    return process.pid


def rest(state: ClusterState, path: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(f"http://{state.rest_address}{path}", timeout=timeout) as response:
        return json.loads(response.read())


def registered_taskmanagers(state: ClusterState) -> int:
    try:
        return len(rest(state, "/taskmanagers").get("taskmanagers", []))
    except OSError:
        return -1


def registered_slots(state: ClusterState) -> int:
    """Task slots the JobManager counts; a TaskManager reports its slots just after it registers."""
    try:
        return int(rest(state, "/overview").get("slots-total") or 0)
    except OSError:
        return -1


def start_taskmanager(state: ClusterState | None = None) -> int:
    """One more TaskManager process for the running cluster; returns its pid."""
    state = state or read_state()
    if state is None:
        raise FlinkClusterError("no Flink cluster is running (newsbeam flink start)")
    home, base = ensure_distribution(), cluster_dir()
    number = len(state.taskmanager_pids) + 1
    pid = _launch([str(home / "bin" / "taskmanager.sh"), "start-foreground"], _environment(home, base),
                  base / "log" / f"taskmanager-{number}.out")
    state.taskmanager_pids.append(pid)
    _write_state(state)
    return pid


def start(taskmanagers: int = 2, slots: int = 1, timeout: float = 120.0) -> ClusterState:
    """Start the JobManager, `taskmanagers` TaskManagers and the worker pool; wait until all have
    registered and their slots are counted. Refuses when a cluster from an earlier start is still alive."""
    running = read_state()
    if running is not None and _alive(running.jobmanager_pid):
        raise FlinkClusterError(f"a Flink cluster is already running at {running.rest_address}")
    home, base = ensure_distribution(), cluster_dir()
    for folder in ("log", "pids", "conf"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    for stale in (base / "log").glob("*"):
        stale.unlink()
    rest_port, rpc_port, pool_port = _free_port(), _free_port(), _free_port()
    write_config(base / "conf", cluster_state_dir(), rest_port, rpc_port, slots)
    for name in ("log4j.properties", "log4j-console.properties"):
        if (home / "conf" / name).exists():
            shutil.copy2(home / "conf" / name, base / "conf" / name)
    env = _environment(home, base)
    pool_pid = _launch([sys.executable, "-m", WORKER_POOL_MODULE, "--service-port", str(pool_port),
                        "--flink-rest", f"{HOST}:{rest_port}"],
                       dict(os.environ), base / "log" / "worker-pool.out")
    jobmanager = _launch([str(home / "bin" / "jobmanager.sh"), "start-foreground"], env,
                         base / "log" / "jobmanager.out")
    state = ClusterState(rest_port, rpc_port, pool_port, slots, jobmanager, pool_pid)
    _write_state(state)
    for _ in range(taskmanagers):
        start_taskmanager(state)
    deadline = time.monotonic() + timeout
    while registered_taskmanagers(state) < taskmanagers or registered_slots(state) < taskmanagers * slots:
        if time.monotonic() > deadline or not _alive(jobmanager):
            log = (base / "log" / "jobmanager.out").read_text(errors="replace")[-3000:]
            stop()
            raise FlinkClusterError(f"Flink cluster did not come up within {timeout:.0f} s:\n{log}")
        time.sleep(0.5)
    LOG.info("Flink cluster at http://%s (%d TaskManagers x %d slots), worker pool %s",
             state.rest_address, taskmanagers, slots, state.worker_pool)
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie of ours is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _terminate(pid: int, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group (the launcher script and its JVM), SIGKILL after `grace_s`."""
    for signum, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.2)


def kill_taskmanager(index: int = 0, state: ClusterState | None = None) -> int:
    """kill -9 one TaskManager's JVM (as a crash would); returns the pid killed."""
    state = state or read_state()
    if state is None:
        raise FlinkClusterError("no Flink cluster is running")
    pid = state.taskmanager_pids.pop(index)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _write_state(state)
    return pid


def crash(state: ClusterState | None = None) -> None:
    """kill -9 every process of the cluster at once, as a lost machine would: nothing is shut
    down cleanly, so running jobs keep only what their retained checkpoints hold."""
    state = state or read_state()
    if state is None:
        raise FlinkClusterError("no Flink cluster is running")
    for pid in [*state.taskmanager_pids, state.jobmanager_pid, state.worker_pool_pid]:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    _state_file().unlink(missing_ok=True)


def stop() -> bool:
    """Stop every process of the cluster; False when there was none."""
    state = read_state()
    if state is None:
        return False
    for pid in [*state.taskmanager_pids, state.jobmanager_pid, state.worker_pool_pid]:
        _terminate(pid)
    _state_file().unlink(missing_ok=True)
    return True


def worker_pool_for(flink_master: str) -> str | None:
    """The worker pool of the cluster `newsbeam flink start` runs at `flink_master`, if it is that one
    (its SDK workers must start from the pool started with it; NEWSBEAM_WORKER_POOL wins)."""
    if os.environ.get("NEWSBEAM_WORKER_POOL"):
        return None
    state = read_state()
    if state is None:
        return None
    master = flink_master.removeprefix("http://").rstrip("/")
    return state.worker_pool if master in (state.rest_address, f"localhost:{state.rest_port}") else None


def status() -> dict:
    """The cluster's REST overview (TaskManagers, slots, jobs), or why it is not reachable."""
    state = read_state()
    if state is None:
        return {"running": False}
    try:
        overview = rest(state, "/overview")
    except OSError as exc:
        return {"running": False, "rest": state.rest_address, "error": str(exc)}
    return {"running": True, "rest": state.rest_address, "worker_pool": state.worker_pool,
            "taskmanagers": overview.get("taskmanagers"), "slots_total": overview.get("slots-total"),
            "slots_available": overview.get("slots-available"), "jobs_running": overview.get("jobs-running")}
