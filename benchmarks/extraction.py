"""Extraction speed: newsbeam's extractor vs trafilatura on the same pages, in one run.

    python -m benchmarks.extraction [--repeat 3] [--file SET.jsonl] [--include-text]

Prints one JSON line. Rates are pages per CPU-second of this (single-threaded) process, i.e.
pages/s per core; the ratio is what to track, since both move with the machine. Pages default to
the HTML pages of the labeled extraction set (tests/data/extraction, generated in memory, one
fresh seed per pass). Every page is seen once per extractor: trafilatura memoises work on inputs
it has seen (a second pass over the same pages runs ~3x faster even after its reset_caches()),
which a stream of new pages never benefits from. A bare lexbor parse of the same pages is
reported as the floor of any lexbor-based extractor."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

import trafilatura
from selectolax.lexbor import LexborHTMLParser

from pipelines.core.extract import EXTRACTOR, extract_article


def _load(path: str | None, include_text: bool, seed: int = 11) -> list[dict]:
    if path:
        with open(path, encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
    else:
        from tests.data.extraction.generate import generate

        rows = generate(seed=seed)
    return [r for r in rows if include_text or "html" in r]


def _page(row: dict) -> dict:
    content = row.get("html") if "html" in row else row["text"]
    return {"url": row.get("url") or "urn:x", "source": "bench", "fetched_at": 0, "published_at": None,
            "content_type": row.get("content_type") or "text/html", "charset": None,
            "body": content.encode("utf-8"), "headers": {}}


def _cpu_seconds(fn: Callable[[dict], object], items: list) -> float:
    start = time.process_time()
    for item in items:
        fn(item)
    return time.process_time() - start


def _trafilatura(row: dict) -> object:
    content = row["html"] if "html" in row else "<html><body><pre>" + row["text"] + "</pre></body></html>"
    return trafilatura.bare_extraction(content, url=row.get("url"), with_metadata=True, include_comments=False,
                                       include_tables=False, deduplicate=False)


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(prog="newsbeam bench extraction", description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=None, help="DESIGN §8 extraction JSONL (default: the labeled set)")
    parser.add_argument("--repeat", type=int, default=2, help="passes, each over freshly generated pages")
    parser.add_argument("--include-text", action="store_true", help="also time the text/plain pages")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    passes = [_load(args.file, args.include_text, 11 + k) for k in range(1 if args.file else args.repeat)]
    warm = _load(None, False, seed=999)[:3]  # imports and lazy initialisation are not what we measure
    for row in warm:
        extract_article(_page(row))
        _trafilatura(row)
    n = mine = theirs_s = bare_s = 0.0
    for rows in passes:
        pages = [_page(r) for r in rows]
        n += len(pages)
        mine += _cpu_seconds(extract_article, pages)
        theirs_s += _cpu_seconds(_trafilatura, rows)
        bare_s += _cpu_seconds(lambda p: LexborHTMLParser(p["body"]).body, pages)
    ours, theirs, bare = n / mine, n / theirs_s, n / bare_s
    print(json.dumps({
        "benchmark": "extraction",
        "pages": int(n),
        "passes": len(passes),
        "mean_page_kb": round(sum(len(p["body"]) for p in pages) / len(pages) / 1024, 1),
        "extractor": EXTRACTOR,
        "pages_per_s_per_core": round(ours, 1),
        "trafilatura": f"trafilatura/{trafilatura.__version__}",
        "trafilatura_pages_per_s_per_core": round(theirs, 1),
        "ratio": round(ours / theirs, 2) if theirs else None,
        "goal_ratio": 5.0,
        "bare_lexbor_parse_pages_per_s": round(bare, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
