"""The labeled language set: built deterministically from src/, leak-free split, 25 languages."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from pipelines.core.language import EXPECTED

DATA = Path(__file__).parent / "data" / "language"


def _build_module():
    spec = importlib.util.spec_from_file_location("language_data_build", DATA / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_files_match_the_generator() -> None:
    built = _build_module().build()
    for name, rows in built.items():
        on_disk = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert on_disk == rows, f"{name}.jsonl is stale: run python tests/data/language/build.py"


def test_every_language_in_every_set_and_split() -> None:
    for kind in ("sentences", "titles", "two_word"):
        for split in ("dev", "test"):
            path = DATA / f"{kind}.{split}.jsonl"
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert {r["lang"] for r in rows} == set(EXPECTED), (kind, split)


def _texts(name: str) -> list[str]:
    return [json.loads(line)["text"] for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


def test_splits_do_not_share_texts() -> None:
    for kind in ("sentences", "titles"):
        assert not set(_texts(f"{kind}.dev")) & set(_texts(f"{kind}.test")), kind
    # Two-word texts are cut from their own split's sentences; a common pair ("the end") may recur.
    dev, test = set(_texts("two_word.dev")), set(_texts("two_word.test"))
    assert len(dev & test) / len(test) < 0.03
