"""Redis URLs for the share: checked at config time, shown without their secrets.

A URL such as ``redis://:secret@host:6379/0`` carries a password, and redis-py also reads one
from the query (``?password=…``). Nothing of it may reach the screen or a log, so the UI and the
logs only ever see :func:`display_url` (scheme, host, port, database) and error texts pass
through :func:`scrub`. No redis import here: the config check runs before anything loads.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = ("redis", "rediss", "unix")


def check_redis_url(url: str) -> str | None:
    """What is wrong with ``url`` (a message without the password), or None when it is usable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # ValueError for a port that is not a number or out of range
    except ValueError:
        return f"not a valid URL: {display_url(url)}"
    if parts.scheme not in SCHEMES:
        return f"must start with redis://, rediss:// or unix://, got {display_url(url)}"
    if parts.scheme == "unix":
        if not parts.path:
            return "unix:// needs a socket path"
        return None
    if not parts.hostname:
        return f"names no host: {display_url(url)}"
    if port == 0:
        return "port 0 is not a port"
    db = parts.path.strip("/")
    if db and not db.isdigit():
        return f"the database must be a number (redis://host:6379/0), got {db!r}"
    return None


def display_url(url: str) -> str:
    """``url`` without user, password or query: safe for the screen and the logs."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable URL>"
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    where = f"{host}:{port}" if port else host
    db = parts.path.strip("/")
    scheme = parts.scheme if parts.scheme in SCHEMES else "?"
    return f"{scheme}://{where}" + (f"/{db}" if db.isdigit() else "")


def secrets_of(url: str) -> tuple[str, ...]:
    """Every password the URL carries (userinfo or query), as written and decoded."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ()
    found: list[str] = []
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    for key, values in parse_qs(parts.query).items():
        if key.lower() == "password":
            found += values
    return tuple(s for s in dict.fromkeys(found) if len(s) >= 2)


def scrub(text: str, url: str) -> str:
    """``text`` (an exception message, say) with the URL and its secrets cut out."""
    text = text.replace(url, display_url(url))
    for secret in secrets_of(url):
        text = text.replace(secret, "***")
    return text
