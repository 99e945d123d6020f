"""`newsbeam extract`: what does the pipeline make of this page? One Article JSON line per page.

Articles go through the same language step as in the pipeline (pipelines.core.language), so the
languages shown are the ones the pipeline would publish, not the extractor's "und" placeholders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from pipelines.core import codecs
from pipelines.core.extract import ExtractError, extract_article
from pipelines.core.language import tag_article
from pipelines.quality.evaluation.extraction import _page as eval_page  # DESIGN §8 line → RawPage


def _page_from_file(path: Path, content_type: str | None, url: str | None) -> dict:
    guessed = "text/plain" if path.suffix.lower() in {".txt", ".md"} else "text/html"
    return {
        "url": url or path.resolve().as_uri(),
        "source": "cli",
        "fetched_at": int(path.stat().st_mtime * 1000),
        "published_at": None,
        "content_type": content_type or guessed,
        "charset": None,
        "body": path.read_bytes(),
        "headers": {},
    }


def _emit(article_or_error: dict) -> None:
    sys.stdout.write(codecs.to_json(article_or_error).decode() + "\n")


def extract_command(args: argparse.Namespace) -> int:
    failures = 0
    pages: list[tuple[str, dict]] = []
    for name in args.files:
        pages.append((name, _page_from_file(Path(name), args.content_type, args.url)))
    if args.jsonl:
        with open(args.jsonl, "rb") as lines:
            for line in lines:
                if line.strip():
                    obj = orjson.loads(line)
                    pages.append((str(obj.get("id")), eval_page(obj)))
    for name, page in pages:
        try:
            article = extract_article(page)
        except ExtractError as exc:
            failures += 1
            _emit({"id": name, "error_class": exc.error_class, "reason": exc.reason})
            continue
        _emit(tag_article(article))
    return 1 if failures else 0
