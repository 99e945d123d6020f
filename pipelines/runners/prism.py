"""Beam's Prism runner binary, built from the Go module proxy at the pinned Beam version.

Beam's runners would download a prebuilt Prism from GitHub at run time, which this project never
does: `ensure_prism()` builds it once with `go install` into the cache and the runners get the path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipelines.config import cache_dir
from pipelines.runners.artifacts import build_once
from pipelines.versions import BEAM_VERSION

PRISM_MODULE = "github.com/apache/beam/sdks/v2/go/cmd/prism"


def prism_path(version: str = BEAM_VERSION) -> Path:
    return cache_dir() / f"prism-{version}" / "prism"


def ensure_prism(version: str = BEAM_VERSION) -> Path:
    """Path to a built Prism binary (NEWSBEAM_PRISM if set), built with `go install` the first time."""
    override = os.environ.get("NEWSBEAM_PRISM")
    if override:
        return Path(override)
    binary = prism_path(version)
    go = shutil.which("go")

    def build(gobin: Path) -> None:
        if not go:
            raise RuntimeError("Prism needs Go to build (`go` is not on PATH)")
        gobin.mkdir(parents=True)
        # The checksum database reachable here has no entry for some Beam releases (404 on lookup);
        # the module still comes from the module proxy and its dependencies are verified by go.sum.
        env = dict(os.environ, GOBIN=str(gobin), CGO_ENABLED="0", GONOSUMDB="github.com/apache/beam")
        subprocess.run([go, "install", f"{PRISM_MODULE}@v{version}"], check=True, env=env)
        if not (gobin / binary.name).is_file():
            raise RuntimeError(f"go install finished but {gobin / binary.name} is missing")

    build_once(binary.parent, build, what=f"Prism {version}", complete=lambda _: binary.is_file())
    return binary
