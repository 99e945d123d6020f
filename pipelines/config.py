"""Topic names, defaults and locations shared by the CLI, the pipeline and the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
DEPLOY_DIR = PROJECT_ROOT / "deploy"


def cache_dir() -> Path:
    """Where fetched jars, broker data and built binaries live (outside the work tree)."""
    base = os.environ.get("NEWSBEAM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "newsbeam"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Topics:
    """The topics of DESIGN §4; `prefix` lets several deployments share a cluster."""

    prefix: str = ""

    @property
    def raw(self) -> str:
        return f"{self.prefix}news.pages.raw.v1"

    @property
    def articles(self) -> str:
        return f"{self.prefix}news.articles.v1"

    @property
    def stories(self) -> str:
        return f"{self.prefix}news.stories.v1"

    @property
    def links(self) -> str:
        return f"{self.prefix}news.links.v1"

    @property
    def dlq(self) -> str:
        return f"{self.prefix}news.pages.dlq.v1"

    def all(self) -> list[str]:
        return [self.raw, self.articles, self.stories, self.links, self.dlq]


DEFAULT_BOOTSTRAP = os.environ.get("NEWSBEAM_BOOTSTRAP", "127.0.0.1:9092")
DEFAULT_GROUP_ID = "newsbeam-pipeline"
MAX_PAGE_BYTES = 10 * 1024 * 1024
