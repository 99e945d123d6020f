"""Normalisation and fingerprints: stable bytes, compact state, the two regimes."""

from __future__ import annotations

import subprocess
import sys

from pipelines.core.dedup.normalize import capitalised_words, normalize, strip_boilerplate
from pipelines.core.dedup.signature import BANDS, SLOTS, Fingerprint, fingerprint

BODY = (
    "A rare visit to the Belarusian capital by Russian President Vladimir Putin fueled the speculation that "
    "Russia is seeking acquiescence in Belarus after the dismal failure to seize Kyiv last winter.\n"
    "The Russian troops that survived the failed offensive on Kyiv were pulled out of Belarus and relocated "
    "to eastern Ukraine last spring. But in October, Moscow announced that Russian troops would return.\n"
    "Former military officers working with the Belarusian opposition in exile say they believe the activity "
    "points to a plan to invade Ukraine by spring."
)


def doc(**kw: object) -> dict:
    base = {"page_id": "p1", "published_at": 1_700_000_000_000, "title": "Putin arrives in Belarus",
            "lead": "", "body": BODY, "url": "https://example.org/a"}
    base.update(kw)
    return base


def test_normalize_typography_case_punctuation() -> None:
    assert normalize("Russian \u2018kamikaze\u2019 drones \u2014 hit\u00a0KYIV!") == "russian kamikaze drones hit kyiv"
    assert normalize("Lukashenko\u2019s") == normalize("Lukashenko's") == "lukashenkos"
    assert normalize("\uff2byiv \ufb01le") == "kyiv file"          # NFKC: full-width letters, ligatures
    assert normalize("magnitude 5.0, 1,200 homes") == "magnitude 50 1200 homes"
    assert normalize("नमस्ते दुनिया") == "नमस्ते दुनिया"            # combining marks stay inside words


def test_strip_boilerplate_and_names() -> None:
    text = "Story line.\nRead more \u00bb\nSubscribe to our newsletter!"
    assert strip_boilerplate(text, ["read more", "SUBSCRIBE to our newsletter"]) == "Story line."
    assert capitalised_words("Storm hits Cluj, schools closed") == ["cluj"]
    assert capitalised_words("STORM HITS CLUJ") == []


def test_article_fingerprint_shape_and_size() -> None:
    fp = fingerprint(doc())
    assert fp.kind == "article"
    assert len(fp.signature) == SLOTS * 2
    body_keys = [k for k in fp.band_keys if k.startswith("b")]
    assert len(body_keys) == BANDS and len({k.split(":")[0] for k in body_keys}) == BANDS
    size = len(fp.to_bytes())
    assert size <= 800, size
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp
    assert Fingerprint.from_bytes(fp.to_bytes()).band_keys == fp.band_keys


def test_short_fingerprint() -> None:
    fp = fingerprint(doc(body="", lead="Moscow launched a drone attack on Monday, hitting key infrastructure."))
    assert fp.kind == "short" and fp.signature == b"" and fp.lead_words
    assert not any(k.startswith("b") for k in fp.band_keys)
    assert len(fp.to_bytes()) < 250


def test_typography_does_not_change_fingerprint() -> None:
    curly = BODY.replace("'", "\u2019").replace('"', "\u201c")
    a, b = fingerprint(doc()), fingerprint(doc(body=curly.upper(), page_id="p2"))
    assert a.exact_hash == b.exact_hash and a.signature == b.signature


def test_fingerprint_is_stable_across_processes() -> None:
    """PYTHONHASHSEED differs per process; the bytes must not."""
    code = ("from tests.test_dedup_fingerprint import doc; from pipelines.core.dedup.signature import fingerprint;"
            "print(fingerprint(doc()).to_bytes().hex())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout.strip() for seed in (1, 2)}
    assert outs == {fingerprint(doc()).to_bytes().hex()}


def test_fingerprint_bytes_are_pinned() -> None:
    """Any change here (hashing, numpy arithmetic, normalisation) changes every dedup decision of
    state written before it: bump signature.FORMAT and re-pin deliberately."""
    import hashlib

    assert hashlib.sha1(fingerprint(doc()).to_bytes()).hexdigest() == "f03d8f954dcd696ed802c607e7e2eda193f73381"
