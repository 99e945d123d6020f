"""Dedup throughput and state size, against baselines measured in the same run.

    python -m benchmarks.dedup [--events 1500]

Prints one JSON line. `docs_per_s` covers fingerprint + decide + cluster (the offline story rule)
on labeled generator data; `bytes_per_doc` is the serialised Fingerprint as keyed state holds it.
Baselines: exact-content-hash dedup (normalise + BLAKE2b + dict), and datasketch's MinHash +
MinHashLSH on the same character shingles when datasketch is installed. Ratios (ours / baseline)
are what to track: absolute figures move with the machine."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path
from statistics import mean

from pipelines.core.dedup.normalize import normalize
from pipelines.core.dedup.signature import SHINGLE, SLOTS, fingerprint
from pipelines.core.dedup.stories import cluster
from pipelines.quality.evaluation.dedup import to_doc

GENERATOR = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedup" / "generate.py"


def labeled_items(events: int, seed: int = 101) -> list[dict]:
    """Labeled dedup items (DESIGN §8 format) from the generator in tests/data/dedup."""
    spec = importlib.util.spec_from_file_location("dedup_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_generate"] = module
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return list(module.generate(seed=seed, events=events))


def labeled_docs(events: int, seed: int = 101) -> list[dict]:
    return [to_doc(item) for item in labeled_items(events, seed)]


def _rate(n: int, start: float) -> float:
    return round(n / (time.perf_counter() - start), 1)


def exact_baseline(docs: list[dict]) -> float:
    start = time.perf_counter()
    seen: dict[bytes, str] = {}
    for d in docs:
        key = hashlib.blake2b(normalize(d["body"]).encode(), digest_size=8).digest()
        seen.setdefault(key, d["page_id"])
    return _rate(len(docs), start)


def datasketch_baseline(docs: list[dict]) -> float | None:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=0.7, num_perm=SLOTS)
    for d in docs:
        text = normalize(d["body"])
        m = MinHash(num_perm=SLOTS, seed=1)
        m.update_batch([text[i:i + SHINGLE].encode() for i in range(max(len(text) - SHINGLE + 1, 1))])
        lsh.query(m)
        lsh.insert(d["page_id"], m)
    return _rate(len(docs), start)


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1500, help="generator events (about 4 documents each)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    docs = labeled_docs(args.events)
    cluster(docs[:50])  # warm imports and tables

    start = time.perf_counter()
    fps = [fingerprint(d) for d in docs]
    fingerprint_rate = _rate(len(docs), start)
    start = time.perf_counter()
    cluster(docs)
    rate = _rate(len(docs), start)
    sizes = [len(fp.to_bytes()) for fp in fps]
    articles = [len(fp.to_bytes()) for fp in fps if fp.kind == "article"]
    keys = mean(len(fp.band_keys) for fp in fps)
    exact = exact_baseline(docs)
    sketch = datasketch_baseline(docs)
    print(json.dumps({
        "bench": "dedup", "n": len(docs), "docs_per_s": rate, "fingerprint_docs_per_s": fingerprint_rate,
        "bytes_per_doc": round(mean(sizes), 1), "bytes_per_article_max": max(articles, default=0),
        "band_keys_per_doc": round(keys, 1),
        "bucket_state_bytes_per_doc": round(mean(sizes) * keys, 1),
        "baseline_exact_docs_per_s": exact, "ratio_vs_exact": round(rate / exact, 4),
        "baseline_datasketch_docs_per_s": sketch, "ratio_vs_datasketch": round(rate / sketch, 3) if sketch else None,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
