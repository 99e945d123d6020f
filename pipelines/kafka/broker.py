"""A real single-node Kafka broker (KRaft, combined broker+controller) run from Maven jars.

Why: tests, the demo and local development need a genuine broker, but this project cannot
download Kafka tarballs or pull containers. Maven Central is reachable, so the broker's lib/
directory is assembled with `mvn dependency:copy-dependencies` (deploy/kafka/pom.xml) and the
broker is launched as a plain `java -cp 'libs/*' kafka.Kafka` process.

The broker runs detached (own session), so `newsbeam kafka start` can return and a later
`newsbeam kafka status|stop` finds it again through a small JSON state file.

Pure process management: no Beam import. kafka-python is imported only for the readiness probe.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

from pipelines import config
from pipelines.versions import KAFKA_VERSION, SCALA_BINARY

log = logging.getLogger(__name__)

KAFKA_DEPLOY_DIR = config.DEPLOY_DIR / "kafka"
POM_PATH = KAFKA_DEPLOY_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DEPLOY_DIR / "log4j2.properties"
STARTED_MARKER = "Kafka Server started"
STATE_FILE_NAME = "broker.json"
HOST = "127.0.0.1"  # never listen on other interfaces: this broker has no auth at all


class KafkaBrokerError(RuntimeError):
    """Fetching jars, formatting storage, starting or stopping the broker failed."""


# --------------------------------------------------------------------------------------------
# Jars


def kafka_home(version: str = KAFKA_VERSION) -> Path:
    """Per-version directory under the cache; `libs/` inside it is the broker classpath."""
    return config.cache_dir() / f"kafka-{version}"


def _main_jar_name(version: str) -> str:
    return f"kafka_{SCALA_BINARY}-{version}.jar"


def _jars_complete(home: Path, version: str) -> bool:
    marker = home / ".complete"
    if not marker.is_file() or not (home / "libs" / _main_jar_name(version)).is_file():
        return False
    try:
        return json.loads(marker.read_text()).get("version") == version
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock, so concurrent processes (pytest-xdist, two CLIs) don't race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_kafka_jars(version: str = KAFKA_VERSION, *, mvn: str | None = None) -> Path:
    """Return the directory of broker jars for `version`, fetching them with Maven once.

    A `.complete` marker makes later calls free; a lock file makes concurrent first calls
    wait for one fetch instead of running Maven twice into the same directory. Jars are
    copied into a temporary directory and renamed, so an interrupted fetch never looks done.
    """
    home = kafka_home(version)
    libs = home / "libs"
    if _jars_complete(home, version):
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with _file_lock(home / ".lock"):
        if _jars_complete(home, version):
            return libs
        mvn_bin = mvn or os.environ.get("MVN") or shutil.which("mvn")
        if not mvn_bin:
            raise KafkaBrokerError("Maven (`mvn`) is needed once to fetch the Kafka jars")
        if not POM_PATH.is_file():
            raise KafkaBrokerError(f"{POM_PATH} is missing (run from a source checkout)")
        tmp = home / f"libs.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn_bin,
            "-B",
            "-q",
            "-f",
            str(POM_PATH),
            "dependency:copy-dependencies",
            f"-Dkafka.version={version}",
            f"-DoutputDirectory={tmp}",
        ]
        # WARNING level so it shows by default: the first fetch is slow and otherwise silent.
        log.warning("Fetching Kafka %s jars with Maven into %s (first run only)", version, libs)
        t0 = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not (tmp / _main_jar_name(version)).is_file():
            shutil.rmtree(tmp, ignore_errors=True)
            tail = _tail_text((proc.stdout + proc.stderr).splitlines(), 30)
            raise KafkaBrokerError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{tail}")
        shutil.rmtree(libs, ignore_errors=True)
        tmp.rename(libs)
        jars = sorted(p.name for p in libs.glob("*.jar"))
        seconds = round(time.monotonic() - t0, 1)
        marker = {"version": version, "seconds": seconds, "jars": jars}
        (home / ".complete").write_text(json.dumps(marker, indent=1))
        log.info("Fetched %d Kafka jars in %.1fs", len(jars), seconds)
    return libs


# --------------------------------------------------------------------------------------------
# Ports, java, properties


def free_port(host: str = HOST) -> int:
    """A port that was free a moment ago (the OS picks it; a tiny race remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _java_bin() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if not java:
        raise KafkaBrokerError("`java` (17+) not found; set JAVA_HOME or put java on PATH")
    return java


def _read_properties(path: Path) -> dict[str, str]:
    props: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "!")) and "=" in line:
                key, _, value = line.partition("=")
                props[key.strip()] = value.strip()
    return props


def _previous_ports(props: dict[str, str]) -> tuple[int, int]:
    """Ports a formatted data dir used before; reusing them keeps bootstrap strings stable."""
    port = cport = 0
    for listener in props.get("listeners", "").split(","):
        name, _, address = listener.partition("://")
        with contextlib.suppress(ValueError):
            if name == "PLAINTEXT":
                port = int(address.rsplit(":", 1)[1])
            elif name == "CONTROLLER":
                cport = int(address.rsplit(":", 1)[1])
    return port, cport


def server_properties(data_dir: Path, port: int, controller_port: int) -> dict[str, str]:
    """The broker config: one combined KRaft node on loopback, tuned to start fast."""
    max_message = str(config.MAX_PAGE_BYTES + 1024 * 1024)
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir / "kraft-logs"),
        "num.partitions": "4",
        "default.replication.factor": "1",
        "auto.create.topics.enable": "false",
        "group.initial.rebalance.delay.ms": "0",
        # One replica exists, so every internal topic must accept replication factor / ISR 1.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Fewer internal partitions: the first consumer group / transaction is ready sooner.
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.num.partitions": "4",
        # Raw pages may be up to MAX_PAGE_BYTES; leave room for headers and framing.
        "message.max.bytes": max_message,
        "replica.fetch.max.bytes": max_message,
    }


def _write_properties(path: Path, props: dict[str, str]) -> None:
    lines = ["# Written by pipelines/kafka/broker.py; rewritten on every start."]
    lines += [f"{k}={v}" for k, v in props.items()]
    path.write_text("\n".join(lines) + "\n")


def _tail_text(lines: Sequence[str], n: int) -> str:
    return "\n".join(lines[-n:])


def _log_tail(path: Path, n: int = 40, start: int = 0) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(start)
            return _tail_text(fh.read().decode("utf-8", "replace").splitlines(), n)
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------
# Handle and process bookkeeping

# Children started by this process: kept so they are reaped (a zombie still answers kill(0)).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():  # guard against pid reuse and zombies where /proc exists
        try:
            if b"kafka.Kafka" not in (proc / "cmdline").read_bytes():
                return False
            return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False
    return True


@dataclass
class BrokerHandle:
    """A started broker: what clients need (`bootstrap`) and what `stop` needs (`pid`)."""

    pid: int
    bootstrap: str
    port: int
    controller_port: int
    data_dir: str
    log_path: str
    version: str
    started_at: float
    state_file: str | None = None

    def alive(self) -> bool:
        return _pid_alive(self.pid)

    def stop(self, timeout: float = 30.0) -> bool:
        return stop(self, timeout=timeout)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrokerHandle:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def default_state_dir() -> Path:
    return config.cache_dir() / "broker"


def _state_path(state_dir: Path | None) -> Path:
    return Path(state_dir or default_state_dir()) / STATE_FILE_NAME


def load_state(state_dir: Path | None = None) -> BrokerHandle | None:
    """The broker recorded in `state_dir` (running or not), or None."""
    path = _state_path(state_dir)
    try:
        return BrokerHandle.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable broker state %s: %s", path, exc)
        return None


def _write_state(handle: BrokerHandle) -> None:
    assert handle.state_file
    path = Path(handle.state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(handle.to_dict(), indent=2) + "\n")
    tmp.replace(path)


def running_bootstrap(state_dir: Path | None = None) -> str | None:
    """Bootstrap of the broker `newsbeam kafka start` left running, if it is still alive."""
    handle = load_state(state_dir)
    return handle.bootstrap if handle and handle.alive() else None


def default_bootstrap() -> str:
    """Where CLI commands connect without --bootstrap: env, then a running local broker."""
    return os.environ.get("NEWSBEAM_BOOTSTRAP") or running_bootstrap() or config.DEFAULT_BOOTSTRAP


# --------------------------------------------------------------------------------------------
# Lifecycle


def _probe_metadata(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """True when a client can fetch cluster metadata and sees an unfenced broker."""
    # Imported here: only the probe needs the client library, `kafka stop` does not.
    from kafka.admin import KafkaAdminClient

    ms = int(timeout_s * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="newsbeam-probe",
            bootstrap_timeout_ms=ms,
            request_timeout_ms=ms,
        )
    except Exception:  # noqa: BLE001 - any failure just means "not ready yet"
        return False
    try:
        brokers = admin.describe_cluster().get("brokers") or []
        return any(not b.get("is_fenced") for b in brokers)
    except Exception:  # noqa: BLE001
        return False
    finally:
        admin.close()


def _java_cmd(libs: Path, heap: str, extra: Sequence[str], main: Sequence[str]) -> list[str]:
    return [
        _java_bin(),
        f"-Xmx{heap}",
        "-Xms64m",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        *extra,
        "-cp",
        f"{libs}{os.sep}*",
        *main,
    ]


def _format_storage(libs: Path, props_path: Path, log_dir: Path, heap: str) -> None:
    """Format KRaft storage once; a formatted dir (meta.properties) is reused as is."""
    if (log_dir / "meta.properties").is_file():
        return

    def run(*args: str) -> str:
        cmd = _java_cmd(libs, heap, (), ["kafka.tools.StorageTool", *args])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise KafkaBrokerError(f"StorageTool {args[0]} failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout

    cluster_id = run("random-uuid").strip().splitlines()[-1].strip()
    run("format", "--standalone", "-t", cluster_id, "-c", str(props_path))


def start(
    data_dir: Path | str | None = None,
    port: int = 0,
    controller_port: int = 0,
    log_path: Path | str | None = None,
    *,
    state_dir: Path | str | None = None,
    version: str = KAFKA_VERSION,
    timeout: float = 60.0,
    heap: str = "512m",
    jvm_opts: Sequence[str] = (),
) -> BrokerHandle:
    """Start a broker and return once clients can use it.

    `port`/`controller_port` 0 means: the ports this data dir used before, else free ones.
    With `state_dir`, the handle is also written there for later processes; without it the
    broker is private to the caller (tests use that so they never touch the user's broker).
    On failure the process is killed and the error carries the broker log's tail.
    """
    libs = ensure_kafka_jars(version)
    if not LOG4J_CONFIG.is_file():
        raise KafkaBrokerError(f"{LOG4J_CONFIG} is missing (run from a source checkout)")
    state_file = _state_path(Path(state_dir)) if state_dir is not None else None
    if state_file is not None:
        previous = load_state(state_file.parent)
        if previous is not None and previous.alive():
            raise KafkaBrokerError(
                f"a broker is already running from {state_file} (pid {previous.pid}, "
                f"{previous.bootstrap}); stop it first"
            )
    if data_dir is None:
        data_dir = Path(state_dir or default_state_dir()) / "data"
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    props_path = data / "server.properties"
    old_port, old_cport = _previous_ports(_read_properties(props_path))
    port = port or (old_port if old_port and _port_free(old_port) else free_port())
    controller_port = controller_port or (old_cport if old_cport and old_cport != port and _port_free(old_cport) else 0)
    while not controller_port or controller_port == port:
        controller_port = free_port()
    for p in (port, controller_port):
        if not _port_free(p):
            raise KafkaBrokerError(f"port {HOST}:{p} is in use (pass port 0 to pick a free one)")

    props = server_properties(data, port, controller_port)
    _write_properties(props_path, props)
    t0 = time.monotonic()
    _format_storage(libs, props_path, Path(props["log.dirs"]), heap)

    log_file = Path(log_path) if log_path is not None else data / "broker.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as out:
        out.write(f"---- newsbeam: starting Kafka {version} at {time.ctime()}\n".encode())
        out.flush()
        log_offset = out.tell()
        cmd = _java_cmd(libs, heap, jvm_opts, ["kafka.Kafka", str(props_path)])
        child = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data,
            start_new_session=True,  # own process group; survives our Ctrl-C
        )
    _CHILDREN[child.pid] = child
    handle = BrokerHandle(
        pid=child.pid,
        bootstrap=f"{HOST}:{port}",
        port=port,
        controller_port=controller_port,
        data_dir=str(data),
        log_path=str(log_file),
        version=version,
        started_at=time.time(),
        state_file=str(state_file) if state_file else None,
    )
    try:
        _wait_ready(handle, log_offset, t0 + timeout)
    except BaseException:
        stop(handle, timeout=10)
        raise
    if state_file is not None:
        _write_state(handle)
    log.info("Kafka %s ready at %s in %.1fs", version, handle.bootstrap, time.monotonic() - t0)
    return handle


def _wait_ready(handle: BrokerHandle, log_offset: int, deadline: float) -> None:
    log_file = Path(handle.log_path)
    seen_started = False
    while True:
        if not handle.alive():
            raise KafkaBrokerError(
                f"Kafka exited during startup; {log_file} ends with:\n{_log_tail(log_file, start=log_offset)}"
            )
        if not seen_started:
            with open(log_file, "rb") as fh:
                fh.seek(log_offset)
                seen_started = STARTED_MARKER.encode() in fh.read()
        if seen_started and _probe_metadata(handle.bootstrap):
            return
        if time.monotonic() > deadline:
            what = "metadata probe" if seen_started else f"'{STARTED_MARKER}'"
            raise KafkaBrokerError(
                f"Kafka not ready (waiting for {what}) at {handle.bootstrap}; "
                f"{log_file} ends with:\n{_log_tail(log_file, start=log_offset)}"
            )
        time.sleep(0.2)


def stop(handle: BrokerHandle | None = None, *, state_dir: Path | str | None = None, timeout: float = 30.0) -> bool:
    """SIGTERM (Kafka shuts down cleanly), then SIGKILL after `timeout`. True if it was running.

    Without a handle, the broker recorded in `state_dir` is stopped. The state file is removed.
    """
    if handle is None:
        handle = load_state(Path(state_dir) if state_dir is not None else None)
        if handle is None:
            return False
    was_alive = handle.alive()
    if was_alive:
        _signal(handle.pid, signal.SIGTERM)
        if not _wait_dead(handle.pid, timeout):
            log.warning("Kafka pid %d ignored SIGTERM for %.0fs; killing it", handle.pid, timeout)
            _signal(handle.pid, signal.SIGKILL)
            _wait_dead(handle.pid, 10)
    child = _CHILDREN.pop(handle.pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1)
    if handle.state_file:
        path = Path(handle.state_file)
        current = load_state(path.parent)
        if current is not None and current.pid == handle.pid:
            path.unlink(missing_ok=True)
    return was_alive


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        try:
            os.killpg(pid, sig)  # the broker leads its own process group (start_new_session)
        except PermissionError:
            os.kill(pid, sig)


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.1)
    return not _pid_alive(pid)


def status(state_dir: Path | str | None = None, *, probe: bool = True) -> dict[str, Any]:
    """What the state file says, plus whether the process lives and answers metadata requests."""
    path = _state_path(Path(state_dir) if state_dir is not None else None)
    handle = load_state(path.parent)
    if handle is None:
        return {"running": False, "ready": False, "state_file": str(path)}
    running = handle.alive()
    ready = running and probe and _probe_metadata(handle.bootstrap)
    return {**handle.to_dict(), "running": running, "ready": ready, "state_file": str(path)}


class KafkaBroker:
    """Context manager around start/stop, for embedding (demo, fixtures).

    With no data_dir a temporary one is used and deleted on stop.
    """

    def __init__(
        self,
        data_dir: Path | str | None = None,
        port: int = 0,
        *,
        state_dir: Path | str | None = None,
        version: str = KAFKA_VERSION,
        timeout: float = 60.0,
    ) -> None:
        self._tmp: str | None = None
        if data_dir is None:
            data_dir = self._tmp = tempfile.mkdtemp(prefix="newsbeam-kafka-")
        self.data_dir = Path(data_dir)
        self.port = port
        self.state_dir = state_dir
        self.version = version
        self.timeout = timeout
        self.handle: BrokerHandle | None = None

    @property
    def bootstrap(self) -> str:
        if self.handle is None:
            raise KafkaBrokerError("broker not started")
        return self.handle.bootstrap

    def start(self) -> BrokerHandle:
        self.handle = start(
            self.data_dir, self.port, state_dir=self.state_dir, version=self.version, timeout=self.timeout
        )
        return self.handle

    def stop(self) -> None:
        if self.handle is not None:
            stop(self.handle)
            self.handle = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# CLI


def _default_port() -> int:
    try:
        return int(config.DEFAULT_BOOTSTRAP.split(",")[0].rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 9092


def add_kafka_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `kafka start|stop|status` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "kafka",
        help="run a local single-node Kafka broker (KRaft, from Maven jars)",
        description="Start, stop or inspect a local Kafka broker that keeps running in the "
        "background; its state lives in --state-dir.",
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument(
        "--port",
        type=int,
        default=_default_port(),
        help="client port on 127.0.0.1 (0 = a free one; default %(default)s)",
    )
    p.add_argument("--data-dir", type=Path, help="broker data (default: STATE_DIR/data)")
    p.add_argument("--state-dir", type=Path, help=f"where the state file lives (default: {default_state_dir()})")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds to wait (start/stop)")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=cli_kafka)
    return p


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, sort_keys=True) if args.json else text)


def cli_kafka(args: argparse.Namespace) -> int:
    """`newsbeam kafka …`. Exit codes: 0 ok/running, 1 failure, 3 status: not running."""
    state_dir = args.state_dir or default_state_dir()
    if args.action == "status":
        st = status(state_dir)
        if st["running"]:
            text = f"running: bootstrap={st['bootstrap']} pid={st['pid']} ready={st['ready']} log={st['log_path']}"
        else:
            text = f"not running (state: {st['state_file']})"
        _emit(args, st, text)
        return 0 if st["running"] else 3
    if args.action == "stop":
        handle = load_state(state_dir)
        stopped = stop(state_dir=state_dir, timeout=args.timeout)
        _emit(
            args,
            {"stopped": stopped, "pid": handle.pid if handle else None},
            f"stopped pid {handle.pid}" if stopped and handle else "not running",
        )
        return 0
    with _file_lock(Path(state_dir) / ".lock"):  # two `kafka start` at once start one broker
        current = status(state_dir, probe=False)
        if current["running"]:
            _emit(
                args,
                {**current, "already_running": True},
                f"already running: bootstrap={current['bootstrap']} pid={current['pid']}",
            )
            return 0
        data_dir = args.data_dir or Path(state_dir) / "data"
        try:
            handle = start(data_dir, args.port, state_dir=state_dir, timeout=args.timeout)
        except KafkaBrokerError as exc:
            print(f"newsbeam kafka start: {exc}", file=sys.stderr)
            return 1
    _emit(
        args,
        {**handle.to_dict(), "running": True},
        f"Kafka {handle.version} running: bootstrap={handle.bootstrap} pid={handle.pid} "
        f"log={handle.log_path}\n(export NEWSBEAM_BOOTSTRAP={handle.bootstrap} for other tools)",
    )
    return 0
