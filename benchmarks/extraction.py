"""Extraction speed: newsbeam's extractor vs trafilatura on the same pages, in one run.

    python -m benchmarks.extraction [--repeat 3] [--file SET.jsonl] [--include-text]

Prints one JSON line: pages/s and, when the pages carry `expected.body` (real pages, DESIGN §8
format), body F1 of both extractors as `newsbeam eval extraction` scores it, overall and per `source`.
Rates are pages per CPU-second of this (single-threaded) process, i.e.
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

from pipelines.core.extract import EXTRACTOR, ExtractError, extract_article


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


def _cpu_seconds(fn: Callable[[dict], object], items: list, out: list | None = None) -> float:
    start = time.process_time()
    for item in items:
        result = fn(item)
        if out is not None:
            out.append(result)
    return time.process_time() - start


def _trafilatura(row: dict) -> object:
    content = row["html"] if "html" in row else "<html><body><pre>" + row["text"] + "</pre></body></html>"
    return trafilatura.bare_extraction(content, url=row.get("url"), with_metadata=True, include_comments=False,
                                       include_tables=False, deduplicate=False)


def _ours(page: dict) -> dict | None:
    try:
        return extract_article(page)
    except ExtractError:
        return None  # dead-lettered: scores as empty


def _f1_of(pairs: list[tuple[dict, str]]) -> float:
    """Body F1 of (row, predicted body) pairs: page-averaged shingle P and R, as the evaluator scores."""
    from pipelines.quality.evaluation.extraction import precision_recall

    values = [precision_recall(body, row["expected"].get("body", "")) for row, body in pairs]
    p = sum(v[0] for v in values) / len(values)
    r = sum(v[1] for v in values) / len(values)
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


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
    scored: list[tuple[dict, str, str]] = []  # (row, our body, their body) of labeled pages
    for rows in passes:
        pages = [_page(r) for r in rows]
        n += len(pages)
        ours_out: list = []
        theirs_out: list = []
        mine += _cpu_seconds(_ours, pages, ours_out)
        theirs_s += _cpu_seconds(_trafilatura, rows, theirs_out)
        bare_s += _cpu_seconds(lambda p: LexborHTMLParser(p["body"]).body, pages)
        if args.file:
            for row, a, b in zip(rows, ours_out, theirs_out, strict=True):
                if isinstance(row.get("expected"), dict):
                    scored.append((row, a.get("body", "") if a else "", (b.text or "") if b else ""))
    ours, theirs, bare = n / mine, n / theirs_s, n / bare_s
    quality: dict = {}
    if scored:
        quality = {"f1": _f1_of([(r, a) for r, a, _ in scored]),
                   "trafilatura_f1": _f1_of([(r, b) for r, _, b in scored])}
        sources = sorted({r["source"] for r, _, _ in scored if r.get("source")})
        if sources:
            quality["f1_by_source"] = {
                s: [_f1_of([(r, a) for r, a, _ in scored if r.get("source") == s]),
                    _f1_of([(r, b) for r, _, b in scored if r.get("source") == s])] for s in sources}
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
        **quality,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
