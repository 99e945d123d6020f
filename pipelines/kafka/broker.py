"""A real single-node Kafka broker (KRaft, combined broker+controller) run from Maven jars.

Why: tests, the demo and local development need a genuine broker, but this project cannot
download Kafka tarballs or pull containers. Maven Central is reachable, so the broker's lib/
directory is assembled with `mvn dependency:copy-dependencies` (deploy/kafka/pom.xml) and the
broker is launched as a plain `java -cp 'libs/*' kafka.Kafka` process.

The broker runs detached (own session), so `newsbeam kafka start` can return and a later
`newsbeam kafka status|stop` finds it again through a small JSON state file.

Pure process management: no Beam import; a Kafka client (pipelines.kafka.client) only for the readiness
probe. The command line is in pipelines/cli/kafka.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pipelines import config
from pipelines.kafka.broker_state import (
    CHILDREN,
    BrokerHandle,
    default_state_dir,
    load_state,
    pid_alive,
    running_bootstrap,
    state_path,
    write_state,
)
from pipelines.runners.artifacts import build_once, file_lock
from pipelines.versions import KAFKA_VERSION, SCALA_BINARY

__all__ = ["BrokerHandle", "KafkaBroker", "KafkaBrokerError", "default_state_dir", "ensure_kafka_jars", "free_port",
           "Keystore", "load_state", "running_bootstrap", "start", "start_once", "status", "stop"]

log = logging.getLogger(__name__)

KAFKA_DEPLOY_DIR = config.DEPLOY_DIR / "kafka"
POM_PATH = KAFKA_DEPLOY_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DEPLOY_DIR / "log4j2.properties"
STARTED_MARKER = "Kafka Server started"
HOST = "127.0.0.1"  # never listen on other interfaces: the PLAINTEXT listener has no auth at all
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")


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


def ensure_kafka_jars(version: str = KAFKA_VERSION, *, mvn: str | None = None) -> Path:
    """Return the directory of broker jars for `version`, fetched with Maven once into the cache
    (pipelines.runners.artifacts: locked, built aside, renamed into place)."""
    home = kafka_home(version)
    mvn_bin = mvn or os.environ.get("MVN") or shutil.which("mvn")

    def fetch(libs: Path) -> None:
        if not mvn_bin:
            raise KafkaBrokerError("Maven (`mvn`) is needed once to fetch the Kafka jars")
        if not POM_PATH.is_file():
            raise KafkaBrokerError(f"{POM_PATH} is missing (run from a source checkout)")
        cmd = [mvn_bin, "-B", "-q", "-f", str(POM_PATH), "dependency:copy-dependencies",
               f"-Dkafka.version={version}", f"-DoutputDirectory={libs}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not (libs / _main_jar_name(version)).is_file():
            tail = _tail_text((proc.stdout + proc.stderr).splitlines(), 30)
            raise KafkaBrokerError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{tail}")
        jars = sorted(p.name for p in libs.glob("*.jar"))
        # Written before the rename, but `_jars_complete` also wants the main jar under libs/,
        # which exists only once the rename has happened.
        (home / ".complete").write_text(json.dumps({"version": version, "jars": jars}, indent=1))

    return build_once(home / "libs", fetch, what=f"the Kafka {version} jars",
                      complete=lambda _: _jars_complete(home, version))


# --------------------------------------------------------------------------------------------
# Ports, java, properties


def free_port(host: str = HOST) -> int:
    """A port that was free a moment ago (the OS picks it; a tiny race remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_free(port: int, host: str = HOST) -> bool:
    """Whether a broker could listen on `port` now.

    With SO_REUSEADDR, as the JVM binds its listeners: connections of a broker stopped a moment
    ago linger in TIME_WAIT for a minute, which would refuse a plain bind but not Kafka's, while a
    port somebody listens on is refused either way."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


@dataclass(frozen=True)
class Keystore:
    """The broker's TLS identity: a key store file Java reads (PKCS12 or JKS) and its password."""

    path: Path
    password: str
    type: str = "PKCS12"


def server_properties(data_dir: Path, port: int, controller_port: int, secured: Mapping[str, int] | None = None,
                      keystore: Keystore | None = None) -> dict[str, str]:
    """The broker config: one combined KRaft node on loopback, tuned to start fast.

    `secured` adds client listeners by security protocol (SASL_PLAINTEXT, SSL, SASL_SSL) -> port:
    the SASL ones take SCRAM-SHA-256/512 logins (users are added when the storage is formatted, see
    `start`), the SSL ones present `keystore`. The PLAINTEXT listener stays for the broker itself."""
    max_message = str(config.MAX_MESSAGE_BYTES)
    props = {
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
    for protocol, secured_port in (secured or {}).items():
        listener = f"{protocol}://{HOST}:{secured_port}"
        props["listeners"] += f",{listener}"
        props["advertised.listeners"] += f",{listener}"
        props["listener.security.protocol.map"] += f",{protocol}:{protocol}"
        name = protocol.lower()
        if protocol.startswith("SASL_"):
            props["sasl.enabled.mechanisms"] = ",".join(SCRAM_MECHANISMS)
            for mechanism in SCRAM_MECHANISMS:
                props[f"listener.name.{name}.{mechanism.lower()}.sasl.jaas.config"] = \
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        if protocol.endswith("SSL"):
            if keystore is None:
                raise KafkaBrokerError(f"a {protocol} listener needs a keystore")
            props[f"listener.name.{name}.ssl.keystore.location"] = str(keystore.path)
            props[f"listener.name.{name}.ssl.keystore.password"] = keystore.password
            props[f"listener.name.{name}.ssl.keystore.type"] = keystore.type
    return props


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
# Lifecycle


def _probe_metadata(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """True when a client can fetch cluster metadata and sees an unfenced broker."""
    from pipelines.kafka import client  # only the probe needs a client library; `kafka stop` does not

    ms = int(timeout_s * 1000)
    try:
        admin = client.admin(bootstrap, client_id="newsbeam-probe", bootstrap_timeout_ms=ms, request_timeout_ms=ms)
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


def _format_storage(libs: Path, props_path: Path, log_dir: Path, heap: str,
                    scram_users: Mapping[str, str] | None = None) -> None:
    """Format KRaft storage once; a formatted dir (meta.properties) is reused as is.

    SCRAM users are written into the metadata log here, the way KRaft bootstraps credentials
    (so they exist before any client connects); a reused dir keeps the users it was formatted with."""
    if (log_dir / "meta.properties").is_file():
        return

    def run(*args: str) -> str:
        cmd = _java_cmd(libs, heap, (), ["kafka.tools.StorageTool", *args])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise KafkaBrokerError(f"StorageTool {args[0]} failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout

    cluster_id = run("random-uuid").strip().splitlines()[-1].strip()
    scram = [arg for name, password in (scram_users or {}).items() for mechanism in SCRAM_MECHANISMS
             for arg in ("--add-scram", f"{mechanism}=[name={name},password={password}]")]
    run("format", "--standalone", "-t", cluster_id, "-c", str(props_path), *scram)


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
    scram_users: Mapping[str, str] | None = None,
    keystore: Keystore | None = None,
) -> BrokerHandle:
    """Start a broker and return once clients can use it.

    Secured listeners, each on a free port (`handle.listeners`, by security protocol): `scram_users`
    (name -> password) adds SASL_PLAINTEXT with SCRAM logins for those users (it needs a data dir
    formatted by this call); `keystore` adds SSL; both add SASL_SSL as well.

    `port`/`controller_port` 0 means: the ports this data dir used before, else free ones.
    With `state_dir`, the handle is also written there for later processes; without it the
    broker is private to the caller (tests use that so they never touch the user's broker).
    On failure the process is killed and the error carries the broker log's tail.
    """
    libs = ensure_kafka_jars(version)
    if not LOG4J_CONFIG.is_file():
        raise KafkaBrokerError(f"{LOG4J_CONFIG} is missing (run from a source checkout)")
    state_file = state_path(Path(state_dir)) if state_dir is not None else None
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

    protocols = (["SASL_PLAINTEXT"] if scram_users else []) + (["SSL"] if keystore else []) \
        + (["SASL_SSL"] if scram_users and keystore else [])
    if scram_users and (data / "kraft-logs" / "meta.properties").is_file():
        raise KafkaBrokerError(f"SCRAM users are added when storage is formatted; {data} already is")
    secured: dict[str, int] = {}
    taken = {port, controller_port}
    for protocol in protocols:
        chosen = free_port()
        while chosen in taken:
            chosen = free_port()
        secured[protocol] = chosen
        taken.add(chosen)
    props = server_properties(data, port, controller_port, secured, keystore)
    _write_properties(props_path, props)
    t0 = time.monotonic()
    _format_storage(libs, props_path, Path(props["log.dirs"]), heap, scram_users)

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
    CHILDREN[child.pid] = child
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
        listeners={protocol: f"{HOST}:{secured_port}" for protocol, secured_port in secured.items()},
    )
    try:
        _wait_ready(handle, log_offset, t0 + timeout)
    except BaseException:
        stop(handle, timeout=10)
        raise
    if state_file is not None:
        write_state(handle)
    log.info("Kafka %s ready at %s in %.1fs", version, handle.bootstrap, time.monotonic() - t0)
    return handle


def start_once(state_dir: Path | str | None = None, data_dir: Path | str | None = None, port: int = 0, *,
               timeout: float = 60.0) -> tuple[BrokerHandle, bool]:
    """The broker recorded in `state_dir`, started unless it already runs; (handle, already_running).

    Under a lock, so that two `newsbeam kafka start` at once start one broker."""
    state = Path(state_dir or default_state_dir())
    with file_lock(state / ".lock"):
        current = load_state(state)
        if current is not None and current.alive():
            return current, True
        return start(data_dir or state / "data", port, state_dir=state, timeout=timeout), False


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
    child = CHILDREN.pop(handle.pid, None)
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
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return not pid_alive(pid)


def status(state_dir: Path | str | None = None, *, probe: bool = True) -> dict[str, Any]:
    """What the state file says, plus whether the process lives and answers metadata requests."""
    path = state_path(Path(state_dir) if state_dir is not None else None)
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
