"""Orthographic evidence: which script a text is written in, and letters only some languages use.

Why: statistical detectors mix up close neighbours on short text (be/uk/ru, fa/ar, ja/zh),
while the script or a single letter often settles it: Hangul is only Korean, "ў" only
Belarusian, kana only Japanese, "پ" never Arabic. The rules only remove candidates of the
same script; a rule that would remove every candidate is ignored, so a stray letter in a
quoted name cannot empty the set.
"""

from __future__ import annotations

import re

# Script of the languages the rules speak about. Languages missing here are never removed.
_SCRIPT_LANGS: dict[str, tuple[str, ...]] = {
    "Latn": ("en", "id", "ms", "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "tr", "vi", "sw", "tl", "ceb",
             "jv", "su", "ca", "gl", "ro", "sk", "sl", "hr", "bs", "sv", "da", "no", "nb", "fi", "et", "hu",
             "lv", "lt", "eo", "la", "af", "sq", "eu", "war", "ilo", "pam", "min", "gsw", "lb", "fy", "oc"),
    "Cyrl": ("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tt", "ba", "mn", "tg", "sah", "cv", "os", "ce",
             "rue", "kv", "udm", "mhr", "av"),
    "Arab": ("ar", "arz", "fa", "ur", "ps", "ckb", "azb", "sd", "ug", "mzn", "glk", "pnb", "bal"),
    "Hani": ("zh", "ja", "wuu", "yue", "gan", "lzh"),
    "Hang": ("ko",),
    "Thai": ("th",),
    "Deva": ("hi", "mr", "ne", "sa", "bho", "mai", "new", "gom"),
}  # fmt: skip
SCRIPT_OF: dict[str, str] = {lang: script for script, langs in _SCRIPT_LANGS.items() for lang in langs}

# Code point ranges -> script, for the dominant-script count.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"),
    (0x1E00, 0x1EFF, "Latn"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x1100, 0x11FF, "Hang"),
    (0x3130, 0x318F, "Hang"),
    (0xAC00, 0xD7AF, "Hang"),
    (0x3040, 0x30FF, "Hani"),  # kana counts with Han: Japanese mixes both
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xFF66, 0xFF9F, "Hani"),
)

# (letters, script they belong to, languages of that script that may contain them).
_RULES: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...] = tuple(
    (re.compile(pattern), script, frozenset(langs))
    for pattern, script, langs in (
        ("[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]", "Hani", {"ja"}),  # kana
        ("[ўЎ]", "Cyrl", {"be"}),
        ("[їЇєЄґҐ]", "Cyrl", {"uk", "rue"}),
        ("[іІ]", "Cyrl", {"uk", "be", "kk", "rue"}),
        (
            "[ыЫэЭ]",
            "Cyrl",
            {"ru", "be", "kk", "ky", "tt", "ba", "mn", "sah", "cv", "os", "ce", "av", "kv", "udm", "mhr"},
        ),
        ("[ъЪ]", "Cyrl", {"ru", "bg", "tt", "ba", "sah", "cv", "os", "ce", "av", "kv", "udm", "mhr"}),
        (
            "[иИщЩ]",
            "Cyrl",
            {"ru", "uk", "bg", "mk", "sr", "kk", "ky", "tt", "ba", "mn", "tg", "sah", "cv", "os", "ce", "rue"},
        ),
        ("[پچژگ]", "Arab", {"fa", "ur", "ps", "ckb", "azb", "sd", "ug", "mzn", "glk", "pnb", "bal"}),
        ("[یک]", "Arab", {"fa", "ur", "ps", "ckb", "azb", "sd", "mzn", "glk", "pnb", "bal", "ug"}),
        ("[ةيك]", "Arab", {"ar", "arz", "ps", "ug", "ckb", "sd", "azb"}),
    )
)
_KANA = _RULES[0][0]
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_HAN_ONLY_MIN = 6  # a Japanese text this long without a single kana is very unlikely
# Shinjitai: Japan's simplified kanji, written differently in both Simplified and Traditional Chinese.
_JAPANESE_ONLY_KANJI = re.compile(
    "[経対価帯気県済関発楽挙総広売読駅鉄円図権戦伝転働込払様営労薬検験険続拡齢変沢浜桜乗仏児処剤"
    "渉団囲壊択鉱譲穏弾歳縄絵継斉姫峠畑枠栃]"
)
# Simplified Chinese forms that Japanese does not use (Japanese keeps another form).
_SIMPLIFIED_ONLY_HANZI = re.compile(
    "[这们说时个为发经济对价电带气县关东选结报过还进长门问间见车马鱼鸟书买卖开贸让认议记论该谈请调语读"
    "统级组织线约纪红给绝继续总应际场专业从众亿产军农决务动华单卫历压变吗员围图团实宁导层岁币师广"
    "庆张录战护拥择损换显权极构标样检欢汉测热灾爱现环疗监码础离种穷竞类练维网罗职联胜脑艺节药获虽视"
    "觉计讨训讯讲许设访证评识诉词译试话询误谁费资赛转轮软轻较辆输边达运远连遗钟钱铁银错闻队阳阶陆险随"
    "难页项须预领题风飞饭驾验龙胁两丰乐习乡亚仅优伟传伤侧债倾儿兴]"
)


def dominant_script(text: str, limit: int = 400) -> str | None:
    """Script of most letters among the first `limit` characters, or None if there are no letters."""
    if text.isascii():
        return "Latn" if any(c.isalpha() for c in text[:limit]) else None
    counts: dict[str, int] = {}
    for ch in text[:limit]:
        if not ch.isalpha():
            continue
        cp = ord(ch)
        for lo, hi, script in _RANGES:
            if lo <= cp <= hi:
                counts[script] = counts.get(script, 0) + 1
                break
        else:
            counts["Other"] = counts.get("Other", 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def allowed(text: str, candidates: frozenset[str] | set[str], script: str | None = None) -> frozenset[str]:
    """Candidates left once languages that cannot be written this way are removed."""
    keep = frozenset(candidates)
    script = script or dominant_script(text)
    if script is None:
        return keep
    same = frozenset(c for c in keep if SCRIPT_OF.get(c, script) == script)
    if same:
        keep = same
    for pattern, rule_script, langs in _RULES:
        if rule_script != script or pattern.search(text) is None:
            continue
        narrowed = frozenset(c for c in keep if c in langs or SCRIPT_OF.get(c) != script)
        if narrowed:
            keep = narrowed
    if script == "Hani" and "ja" in keep and len(keep) > 1 and _KANA.search(text) is None:
        japanese = _JAPANESE_ONLY_KANJI.search(text) is not None
        chinese = _SIMPLIFIED_ONLY_HANZI.search(text) is not None
        if japanese and not chinese:
            keep = frozenset(c for c in keep if c == "ja" or SCRIPT_OF.get(c) != "Hani")
        elif chinese or len(_HAN.findall(text)) >= _HAN_ONLY_MIN:
            keep = keep - {"ja"}
    return keep
