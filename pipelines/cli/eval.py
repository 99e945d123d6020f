"""`newsbeam eval extraction|language|dedup`: quality on a labeled JSONL file (DESIGN §8).

Each prints a final one-line JSON summary; `--predictions OUT.jsonl` writes what the pipeline
decided for every item. The scorers are in pipelines/quality/evaluation/."""

from __future__ import annotations

import argparse
from typing import Any


def add_eval_parser(subparsers: Any) -> argparse.ArgumentParser:
    evaluate = subparsers.add_parser("eval", help="quality evaluation on a labeled JSONL file (DESIGN §8)",
                                     description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = evaluate.add_subparsers(dest="which", required=True, metavar="{extraction,language,dedup}")

    extraction = which.add_parser("extraction", help="token P/R/F1 of the body, title and date exact rates, pages/s")
    extraction.add_argument("file", help='labeled JSONL: id, url, html | text, content_type?, expected: {body, …}')
    extraction.add_argument("--predictions", default=None, help="write one JSON line per page: id + Article")
    extraction.add_argument("--compare", action="append", default=[], choices=["trafilatura", "trafilatura-precision"],
                            help="also score this extractor on the same pages (repeatable)")
    extraction.add_argument("--site-boilerplate", action="store_true",
                            help="also score extraction followed by the per-site boilerplate model")
    extraction.add_argument("--by-site", action="store_true", help="keep the per-template F1 in the summary")
    extraction.set_defaults(func=_eval_extraction)

    language = which.add_parser("language", help="accuracy overall and per language, texts/s")
    language.add_argument("file", help="labeled JSONL: id?, text, lang, hints?")
    language.add_argument("--predictions", default=None,
                          help="write one JSON line per item: id, language, confidence")
    language.add_argument("--compare", action="append", default=[], choices=["fasttext"],
                          help="also score this detector on the same texts (repeatable)")
    language.add_argument("--top", type=int, default=10, help="how many confusions to list")
    language.set_defaults(func=_eval_language)

    dedup = which.add_parser("dedup", help="pairwise and B-cubed P/R/F1 of story clustering, docs/s")
    dedup.add_argument("file", help="labeled JSONL: id, url, published_at, title?, text, cluster")
    dedup.add_argument("--predictions", help="write one {id, story_id} line per item here")
    dedup.add_argument("--no-follow-merges", action="store_true",
                       help="score raw story ids instead of following merged_into to the surviving story")
    dedup.set_defaults(func=_eval_dedup)
    # `eval -h` shows each evaluation's options too, not only their names.
    evaluate.epilog = "evaluation options:\n" + "\n".join(
        "  " + p.format_usage().removeprefix("usage: ").strip() for p in (extraction, language, dedup))
    return evaluate


def _eval_extraction(args: argparse.Namespace) -> int:
    from pipelines.quality.evaluation import extraction

    return extraction.main(args.file, predictions_path=args.predictions, compare_with=args.compare,
                           site_boilerplate=args.site_boilerplate, by_site=args.by_site)


def _eval_language(args: argparse.Namespace) -> int:
    from pipelines.quality.evaluation import language

    return language.main(args.file, predictions=args.predictions, compare_with=args.compare, top=args.top)


def _eval_dedup(args: argparse.Namespace) -> int:
    from pipelines.quality.evaluation import dedup

    return dedup.main(args.file, predictions=args.predictions, follow_merges=not args.no_follow_merges)
