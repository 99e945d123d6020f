"""Where the broker `newsbeam kafka start` left running is recorded, and whether it still lives.

Apart from pipelines/kafka/broker.py (which starts and stops brokers) so that the bootstrap rule in
pipelines/kafka/client.py can find the local broker without importing process management, and
broker.py can use the client factory for its readiness probe: no import cycle either way."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipelines import config

log = logging.getLogger(__name__)

STATE_FILE_NAME = "broker.json"

# Children started by this process: kept so they are reaped (a zombie still answers kill(0)).
CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def pid_alive(pid: int) -> bool:
    """Whether `pid` is a live Kafka broker process (not a zombie, not a reused pid)."""
    child = CHILDREN.get(pid)
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
    # Secured client listeners by security protocol (SASL_PLAINTEXT, SSL, SASL_SSL) -> host:port.
    listeners: dict[str, str] = field(default_factory=dict)

    def alive(self) -> bool:
        return pid_alive(self.pid)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrokerHandle:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def default_state_dir() -> Path:
    return config.cache_dir() / "broker"


def state_path(state_dir: Path | str | None) -> Path:
    return Path(state_dir or default_state_dir()) / STATE_FILE_NAME


def load_state(state_dir: Path | str | None = None) -> BrokerHandle | None:
    """The broker recorded in `state_dir` (running or not), or None."""
    path = state_path(state_dir)
    try:
        return BrokerHandle.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable broker state %s: %s", path, exc)
        return None


def write_state(handle: BrokerHandle) -> None:
    assert handle.state_file
    path = Path(handle.state_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(handle.to_dict(), indent=2) + "\n")
    tmp.replace(path)


def running_bootstrap(state_dir: Path | str | None = None) -> str | None:
    """Bootstrap of the broker `newsbeam kafka start` left running, if it is still alive."""
    handle = load_state(state_dir)
    return handle.bootstrap if handle and handle.alive() else None
