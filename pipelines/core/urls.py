"""URL normalisation for canonical URLs: the same story must get the same URL whatever tracking
parameters, fragments or host spelling a feed used."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "ref", "ref_src",
     "cmpid", "ocid", "smid", "spm", "share", "s_cid", "at_medium", "at_campaign"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(("utm_", "pk_", "mtm_", "hsa_"))


def normalize_url(url: str, base: str | None = None) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters, sort the
    remaining query. Relative URLs resolve against `base`; unparseable input comes back stripped."""
    from urllib.parse import urljoin

    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if port and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)))
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def site_of(url: str) -> str:
    """The registrable-looking host of a URL (without `www.`), used as the site key."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host
