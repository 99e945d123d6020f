"""Language-ID benchmark: the newsbeam tagger vs raw fastText lid.176 on the same texts, one run.

Each detector runs in its own fresh subprocess so that load time and resident memory are its
own (RSS is read from /proc after loading and after the run). Throughput is single-threaded,
i.e. texts/s per core, best of `--rounds` passes (this machine is shared, so the best pass is
the least disturbed one). Prints one JSON line:
{"sets": {name: {"n", "newsbeam": {...}, "fasttext": {...}}}, "newsbeam": {load_s, rss_mb}, ...}

Run: python -m benchmarks.language [--data tests/data/language] [--split test] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "language"
SETS = ("sentences", "titles", "two_word")


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _worker(engine: str, data: Path, split: str, rounds: int) -> dict[str, Any]:
    """Load one engine, run every set, report accuracy, throughput, load time and memory."""
    base_rss = _rss_mb()
    start = time.perf_counter()
    if engine == "newsbeam":
        from pipelines.core.language import LanguageTagger

        tagger = LanguageTagger()

        def predict(text: str) -> str:
            return tagger.detect(text).lang
    else:
        import fasttext

        from pipelines.core.language.codes import from_fasttext
        from pipelines.core.language.detector import fasttext_model_path

        model = fasttext.load_model(str(fasttext_model_path()))

        def predict(text: str) -> str:
            return from_fasttext(model.predict(" ".join(text.split()), k=1)[0][0])

    load_s = time.perf_counter() - start
    loaded_rss = _rss_mb()
    result: dict[str, Any] = {
        "load_s": round(load_s, 3),
        "rss_mb": round(loaded_rss, 1),
        "model_rss_mb": round(loaded_rss - base_rss, 1),
        "sets": {},
    }
    for name in SETS:
        path = data / f"{name}.{split}.jsonl"
        if not path.exists():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [r["text"] for r in rows]
        best = float("inf")
        preds: list[str] = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            preds = [predict(t) for t in texts]
            best = min(best, time.perf_counter() - t0)
        correct = sum(p == r["lang"] for p, r in zip(preds, rows, strict=True))
        result["sets"][name] = {
            "n": len(rows),
            "accuracy": round(correct / len(rows), 4),
            "texts_per_s_per_core": round(len(rows) / best, 1),
        }
    result["peak_rss_mb"] = round(_rss_mb(), 1)
    return result


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="test")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", choices=["newsbeam", "fasttext"], help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.split, args.rounds)))
        return 0
    report: dict[str, Any] = {"benchmark": "language", "split": args.split, "rounds": args.rounds}
    for engine in ("fasttext", "newsbeam"):
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.language",
            "--worker",
            engine,
            "--data",
            str(args.data),
            "--split",
            args.split,
            "--rounds",
            str(args.rounds),
        ]
        out = subprocess.run(
            cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent
        )
        report[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, theirs = report["newsbeam"]["sets"], report["fasttext"]["sets"]
    report["speed_ratio_vs_fasttext"] = {
        name: round(ours[name]["texts_per_s_per_core"] / theirs[name]["texts_per_s_per_core"], 3)
        for name in ours
        if name in theirs
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
