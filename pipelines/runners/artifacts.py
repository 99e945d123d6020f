"""Build once into the cache: the Kafka jars, the Prism binary, the Flink job server and its reporter.

Each of them is expensive to make (Maven, `go install`) and is made the same way: under a file lock
(two processes — pytest workers, two CLIs — must not build into the same place at once), into a
temporary directory next to the target (so an interrupted build never looks finished), then renamed
into place in one step; a target that is already there is reused as is.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `path` for the block (created if missing; released on exit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(target: Path, build: Callable[[Path], None], *, what: str,
               complete: Callable[[Path], bool] | None = None) -> Path:
    """`target` (a file or a directory), built by `build` unless it is already complete.

    `build(tmp)` writes the finished artefact at `tmp` — a path that does not exist yet, in the same
    directory as `target` — and raises on failure. `complete(target)` says whether an existing
    target can be reused (default: it exists). The artefact is renamed into place, so a reader sees
    either nothing or the whole thing."""
    is_complete = complete or (lambda path: path.exists())
    if is_complete(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.parent / f".{target.name}.lock"):
        if is_complete(target):  # another process finished it while we waited
            return target
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
        _remove(tmp)
        # WARNING so that it shows by default: first builds are slow and otherwise silent.
        log.warning("building %s into %s (first run only)", what, target)
        started = time.monotonic()
        try:
            build(tmp)
            if not tmp.exists():
                raise RuntimeError(f"building {what} finished without producing {tmp}")
            _remove(target)  # an incomplete leftover of an older layout
            tmp.rename(target)
        finally:
            _remove(tmp)
        log.info("built %s in %.1fs", what, time.monotonic() - started)
    return target


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
