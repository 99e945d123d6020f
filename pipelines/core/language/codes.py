"""Language codes: the expected news languages, label mapping and the bounded metric set.

Why a fixed expected set: restricting every detector to the languages a news feed can
contain is what makes short texts decidable (the research anchors in issue 4 show each
detector gains several points when restricted); a long text may still come out as any of
fastText's 176 languages when the model is sure of it.
"""

from __future__ import annotations

# ISO 639-1 codes of the 25 news languages of issue 4 (order is only for display).
EXPECTED: tuple[str, ...] = (
    "en", "id", "ms", "de", "fr", "es", "pt", "it", "nl", "ru", "uk", "be", "pl",
    "cs", "tr", "ar", "fa", "zh", "ja", "ko", "hi", "vi", "th", "sw", "tl",
)  # fmt: skip

UNDETERMINED = "und"

# Beam counters get one name per code in this set; anything else counts as lang_other, so a
# misbehaving feed cannot create an unbounded number of metric names.
METRIC_CODES: frozenset[str] = frozenset(EXPECTED) | {UNDETERMINED}

# fastText lid.176 labels that are not the ISO code we publish (639-1 where one exists, else 639-3).
_FASTTEXT_FIXUPS: dict[str, str] = {
    "als": "gsw",  # fastText's "als" is Alemannic German, whose ISO 639-3 code is gsw
    "bh": "bho",  # "Bihari" is a collective code; Bhojpuri is what the model was trained on
    "sh": "hbs",  # deprecated Serbo-Croatian 639-1 code
    "eml": "egl",  # retired Emilian-Romagnol code; Emilian is egl
    "nah": "nah",
}

MALAY_FAMILY: frozenset[str] = frozenset({"id", "ms"})


def from_fasttext(label: str) -> str:
    """Turn a fastText label ("__label__pt") into the ISO code we publish."""
    code = label[9:] if label.startswith("__label__") else label
    return _FASTTEXT_FIXUPS.get(code, code)


def metric_name(code: str) -> str:
    """Counter name for a language code: lang_<code> inside the bounded set, else lang_other."""
    return f"lang_{code}" if code in METRIC_CODES else "lang_other"


def primary_subtag(tag: str | None) -> str | None:
    """Primary language of a BCP-47 tag or locale ("id-ID", "ms_MY", "EN") in lower case, or None."""
    if not tag:
        return None
    head = tag.strip().replace("_", "-").split("-", 1)[0].split(",", 1)[0].strip().lower()
    if not head.isalpha() or not 2 <= len(head) <= 3:
        return None
    return {"in": "id", "iw": "he", "ji": "yi", "zsm": "ms", "ind": "id", "msa": "ms", "may": "ms"}.get(head, head)
