"""Build the labeled language-ID set from the hand-written sources in src/.

Why a generator and not hand-made JSONL: the two-word texts are cut from the sentences
and titles deterministically, so the dev/test split stays leak-free (a two-word text only
comes from a sentence in the same split) and the files can be rebuilt after edits.

Run: python tests/data/language/build.py  (writes *.jsonl beside this file)
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
NO_SPACE = {"zh": 4, "ja": 4, "th": 7}  # scripts written without spaces: window length in characters
_TOKEN_STRIP = "\"'“”‘’«»„()[]{}.,;:!?¡¿…—–-،؛؟。、，！？「」『』"


def _read_source(path: Path) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"sentences": [], "titles": [], "pairs": []}
    current: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("# "):
            continue
        if line.startswith("## "):
            current = line[3:].strip()
            continue
        if current in sections:
            sections[current].append(line)
    return sections


def _is_word(token: str) -> bool:
    return len(token) >= 2 and all(unicodedata.category(c)[0] in "LM" or c in "'’-" for c in token)


def _pairs_spaced(text: str) -> list[str]:
    tokens = [t.strip(_TOKEN_STRIP) for t in text.split()]
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False) if _is_word(a) and _is_word(b)]


def _pairs_unspaced(text: str, width: int) -> list[str]:
    out: list[str] = []
    for run in re.split(r"[\s\d\W]+", text):
        out.extend(run[i : i + width] for i in range(0, max(0, len(run) - width + 1), 2))
    return out


def build(per_sentence: int = 2, per_title: int = 1, seed: int = 7) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    files: dict[str, list[dict]] = {}
    seen_pairs: dict[str, set[str]] = {}
    staged: list[tuple[str, str, str, str]] = []  # split, lang, text, source id
    for src in sorted((HERE / "src").glob("*.txt")):
        lang = src.stem
        sec = _read_source(src)
        for kind in ("sentences", "titles", "pairs"):
            for i, text in enumerate(sec[kind]):
                split = "dev" if i % 2 == 0 else "test"
                item_id = f"{lang}-{kind[:-1]}-{i:03d}"
                if kind == "pairs":
                    staged.append((split, lang, text, item_id))
                    continue
                files.setdefault(f"{kind}.{split}", []).append({"id": item_id, "text": text, "lang": lang})
                width = NO_SPACE.get(lang)
                cands = _pairs_unspaced(text, width) if width else _pairs_spaced(text)
                rng.shuffle(cands)
                for j, pair in enumerate(cands[: per_sentence if kind == "sentences" else per_title]):
                    staged.append((split, lang, pair, f"{item_id}-w{j}"))
    for _split, lang, text, _item_id in staged:
        seen_pairs.setdefault(text.casefold(), set()).add(lang)
    for split, lang, text, item_id in staged:
        if len(seen_pairs[text.casefold()]) > 1:  # same two words in two languages: not decidable, drop
            continue
        files.setdefault(f"two_word.{split}", []).append({"id": item_id, "text": text, "lang": lang})
    return files


def main() -> None:
    for name, rows in build().items():
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(name, len(rows))


if __name__ == "__main__":
    main()
