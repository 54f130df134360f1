"""Which URLs the reconciler may dial, and how.

Real endpoints are https. Plain http is allowed only for loopback addresses:
for a URL given with `--endpoint` (a team's server running locally), and, when
RECONCILER_LOOPBACK_HTTP=1 is set explicitly (tests, the emulator), for a
registered `https://` loopback endpoint, which is then dialed over http
because the API accepts only https endpoints. Never for any other host.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit, urlunsplit

from reconciler.errors import ReconcilerError

LOOPBACK_HTTP_SETTING = "RECONCILER_LOOPBACK_HTTP"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_http_allowed() -> bool:
    return os.environ.get(LOOPBACK_HTTP_SETTING) == "1"


def dialable(url: str, explicit: bool = False) -> str:
    """The URL to dial for `url`; `explicit` marks a URL the user typed (`--endpoint`)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        if is_loopback(url) and loopback_http_allowed():
            return urlunsplit(parts._replace(scheme="http"))
        return url
    if parts.scheme == "http" and is_loopback(url) and (explicit or loopback_http_allowed()):
        return url
    if parts.scheme == "http":
        raise ReconcilerError(f"{url}: plain http is accepted for loopback addresses only; use https")
    raise ReconcilerError(f"{url}: not an http(s) URL")
