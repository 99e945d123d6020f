"""Dates as epoch millis UTC: machine-readable stamps (ISO 8601, JSON-LD, meta tags) and the human
forms news sites print in eight languages ("20.11.2026, 14:05 Uhr", "Rabu, 20 Nov 2026 14:05 WIB",
"Publié le 20 novembre 2026 à 14h05", "November 20, 2026 2:05 PM ET").

A stamp without a zone is read in the page's zone: the offset of another stamp on the same page if
there is one, else the zone of the page's language/region (documented guess), else UTC. Written
here rather than taken from htmldate: on the labeled set this is as exact and ~50x cheaper, and it
keeps the zone instead of returning a bare day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janv janvier enero ene januari gennaio gen janeiro januari",
        "february feb februar févr fevrier février febrero februari febbraio fev fevereiro februari",
        "march mar märz maerz mars marzo maret mrt março marco maart",
        "april apr avril avr abril aprile",
        "may mai mayo mei maggio mag maio",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juil juillet julio luglio lug julho",
        "august aug august août aout agosto agustus ago agt augustus",
        "september sep sept september septembre septiembre settembre set setembro",
        "october oct oktober octobre octubre okt ottobre ott outubro out oktober",
        "november nov november novembre noviembre nop novembro",
        "december dec dezember dez décembre decembre diciembre dic desember des dicembre dezembro desember",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

# Fixed offsets and named zones for the abbreviations news sites print next to a time.
TZ_ABBREVIATIONS: dict[str, str | int] = {
    "utc": 0, "gmt": 0, "z": 0, "wib": 7 * 60, "wita": 8 * 60, "wit": 9 * 60, "cet": 60, "cest": 120,
    "mez": 60, "mesz": 120, "wet": 0, "west": 60, "eet": 120, "eest": 180, "bst": 60, "ist": 330,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300, "pst": -480, "pdt": -420, "brt": -180, "art": -180,
    "et": "America/New_York", "ct": "America/Chicago", "pt": "America/Los_Angeles",
}
LANGUAGE_ZONES = {
    "de": "Europe/Berlin", "fr": "Europe/Paris", "es": "Europe/Madrid", "it": "Europe/Rome",
    "nl": "Europe/Amsterdam", "pt": "Europe/Lisbon", "pt-br": "America/Sao_Paulo", "id": "Asia/Jakarta",
    "en-gb": "Europe/London", "en-us": "America/New_York", "es-mx": "America/Mexico_City",
    "es-ar": "America/Argentina/Buenos_Aires", "de-at": "Europe/Vienna", "de-ch": "Europe/Zurich",
    "fr-be": "Europe/Brussels", "nl-be": "Europe/Brussels", "ms": "Asia/Kuala_Lumpur",
}
"""A page in one of these languages (from <html lang>) that prints a time without a zone means this
zone. A guess, used only when the page carries no zone anywhere else."""

_MONTH_WORD = r"([^\W\d_]{3,10})\.?"
_TIME = (
    r"(?:\s*(?:,|um|à|a\s+las|às|alle|om|at|pukul|jam|-|–|\|)?\s*"
    r"(\d{1,2})\s*[:.hH]\s*(\d{2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?|uhr|h\b|wib|wita|wit)?"
    r"\s*(?:\(?\s*((?:utc|gmt)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[a-z]{1,4}(?![a-z]))\s*\)?)?)?"
)
_DMY_NUM = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b" + _TIME, re.IGNORECASE)
_YMD_NUM = re.compile(r"\b(\d{4})[./-](\d{1,2})[./-](\d{1,2})\b(?!T)" + _TIME, re.IGNORECASE)
_D_MONTH_Y = re.compile(r"\b(\d{1,2})\.?\s+(?:de\s+)?" + _MONTH_WORD + r"\s+(?:de\s+)?(\d{4})\b" + _TIME,
                        re.IGNORECASE)
_MONTH_D_Y = re.compile(_MONTH_WORD + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b" + _TIME, re.IGNORECASE)
_OFFSET = re.compile(r"([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_ISO_SHAPE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo | None:
    """A named zone, or None where the machine has no tz database (bounded cache: names are a fixed set)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_for_language(lang: str | None) -> tzinfo | None:
    """The documented guess for a page's zone from its BCP-47 language tag."""
    if not lang:
        return None
    lang = lang.strip().lower().replace("_", "-")
    name = LANGUAGE_ZONES.get(lang) or LANGUAGE_ZONES.get(lang.split("-")[0])
    return _zone(name) if name else None


def _tz_from_token(token: str | None) -> tzinfo | None:
    if not token:
        return None
    token = token.strip().lower().replace(" ", "")
    if token.startswith(("utc", "gmt")) and len(token) > 3:
        m = _OFFSET.search(token[3:])
        if m:
            minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
            return timezone(timedelta(minutes=minutes if m.group(1) == "+" else -minutes))
    found = TZ_ABBREVIATIONS.get(token)
    if isinstance(found, int):
        return timezone(timedelta(minutes=found))
    if isinstance(found, str):
        return _zone(found)
    return None


def to_millis(moment: datetime, default_tz: tzinfo | None = None) -> int:
    """Epoch millis of an aware datetime; a naive one is read in `default_tz` (UTC if none)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_tz or UTC)
    return int(moment.timestamp() * 1000)


def parse_iso(value: str | None) -> datetime | None:
    """ISO 8601 / RFC 3339 as printed in meta tags and JSON-LD; None if it is not one."""
    if not value or not _ISO_SHAPE.match(value):
        return None
    value = value.strip()
    if len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value[:10])
        except ValueError:
            return None
    if parsed.year < 1990 or parsed.year > 2100:
        return None
    return parsed


def _assemble(year: int, month: int, day: int, groups: tuple[str | None, ...]) -> tuple[datetime, bool] | None:
    """(datetime, has_zone) from the date and the optional time groups of `_TIME`."""
    hour_s, minute_s, second_s, suffix, zone_s = groups
    hour = int(hour_s) if hour_s else 0
    minute = int(minute_s) if minute_s else 0
    second = int(second_s) if second_s else 0
    suffix = (suffix or "").lower().replace(".", "")
    tz: tzinfo | None = None
    if suffix in {"wib", "wita", "wit"}:
        tz = _tz_from_token(suffix)
    elif suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if tz is None:
        tz = _tz_from_token(zone_s)
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if not 1990 <= year <= 2100:
        return None
    return (moment.replace(tzinfo=tz) if tz else moment), tz is not None


def parse_human(text: str) -> tuple[datetime, bool] | None:
    """The first date (and time, and zone) printed in `text`, as (datetime, has_zone)."""
    if len(text) > 400:
        text = text[:400]
    best: tuple[int, tuple[datetime, bool]] | None = None
    for pattern in (_D_MONTH_Y, _MONTH_D_Y, _DMY_NUM, _YMD_NUM):
        for m in pattern.finditer(text):
            g = m.groups()
            if pattern is _D_MONTH_Y:
                month = MONTHS.get(g[1].lower())
                found = _assemble(int(g[2]), month, int(g[0]), g[3:]) if month else None
            elif pattern is _MONTH_D_Y:
                month = MONTHS.get(g[0].lower())
                found = _assemble(int(g[2]), month, int(g[1]), g[3:]) if month else None
            elif pattern is _DMY_NUM:
                day, month = int(g[0]), int(g[1])
                if month > 12 >= day:
                    day, month = month, day
                found = _assemble(int(g[2]), month, day, g[3:])
            else:
                found = _assemble(int(g[0]), int(g[1]), int(g[2]), g[3:])
            if found:
                if best is None or m.start() < best[0]:
                    best = (m.start(), found)
                break
    return best[1] if best else None


def parse_any(value: str | None, default_tz: tzinfo | None = None) -> int | None:
    """Millis of an ISO or human date string; a zone-less one is read in `default_tz`."""
    if not value:
        return None
    iso = parse_iso(value)
    if iso is not None:
        return to_millis(iso, default_tz)
    human = parse_human(value)
    if human is not None:
        return to_millis(human[0], default_tz)
    return None
