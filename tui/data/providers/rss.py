"""RSS/Atom headlines: fetch feeds through the shared fetcher, parse the bytes with feedparser.

feedparser is only ever handed bytes: given a string it may treat it as a URL or a path and fetch
or open it. Documents that declare entities are refused before feedparser sees them, because its
own DOCTYPE scrubbing is regex-based and misses declarations that share a line with the DOCTYPE.
Every string that leaves this module has been sanitised, so a hostile feed cannot put escape
sequences or bidi overrides on the user's terminal.
"""

from __future__ import annotations

import asyncio
import html
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from tui.data.errors import ErrorKind, FetchError, SourceError
from tui.data.headlines import merge_headlines
from tui.data.http import Fetcher, status_error
from tui.data.sanitize import sanitize_text
from tui.data.snapshot import Headline, HeadlineResult

TITLE_MAX = 300
SOURCE_MAX = 60
URL_MAX = 2048
# Feed-wide failures that mean "the network is down / we are throttled", not "this feed is bad".
_SOURCE_WIDE = frozenset({ErrorKind.NETWORK, ErrorKind.TIMEOUT, ErrorKind.RATE_LIMITED})

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_EBCDIC_SIGNATURE = b"\x4c\x6f\xa7\x94"  # "<?xm" in cp037; feedparser decodes these
_FEED_NOISE = re.compile(r"\s+-\s+Google News$", re.IGNORECASE)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Tags, comments or entity references: feedparser calls a title "text/plain" when it holds tags
# its sanitiser refuses (e.g. <script>), so the declared type alone cannot be trusted.
_MARKUP = re.compile(r"<[A-Za-z/!?]|&#?\w+;")
_TAG = re.compile(r"<[^>]*>?")


def _declares_entities(body: bytes) -> bool:
    """Whether a DOCTYPE with ``<!ENTITY`` appears in any encoding feedparser would decode."""
    views = [body.replace(b"\x00", b"")]  # NULs out: UTF-16/32 ASCII becomes plain ASCII
    if views[0].startswith(_EBCDIC_SIGNATURE):
        views.append(views[0].decode("cp037", "replace").encode())
    import feedparser  # 0.06 s: loaded by the first feed's parse (in a thread), not at start

    try:  # what feedparser will actually parse (catches e.g. UTF-7 declared in the prolog)
        converted = feedparser.encodings.convert_to_utf8({}, body, {})
    except Exception:  # internal API: a failure here just means one view fewer
        converted = None
    if isinstance(converted, bytes):
        views.append(converted.replace(b"\x00", b""))
    for view in views:
        doctype = _DOCTYPE.search(view)
        if doctype and _ENTITY.search(view, doctype.start()):
            return True
    return False


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment: tags, comments and script/style bodies dropped."""

    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style"})
    # Tags that separate words when rendered; inline ones (b, i, a, span) join their text.
    _BREAKS: ClassVar[frozenset[str]] = frozenset(
        {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Text of an HTML title: entities decoded, markup removed (the UI shows plain text)."""
    parser = _TextOnly()
    try:
        parser.feed(fragment)
        parser.close()
    except Exception:  # html.parser has asserted on pathological input; fall back to a regex
        return html.unescape(_TAG.sub(" ", fragment))
    return "".join(parser.parts)


def _get(obj: Any, key: str) -> Any:
    """``obj[key]`` for feedparser's dicts, ``None`` for anything else (its output is untyped).

    ``dict.get`` skips FeedParserDict's key aliasing, which maps a missing ``updated_parsed``
    to ``published_parsed`` with a DeprecationWarning and can raise on odd shapes.
    """
    if isinstance(obj, dict):
        return dict.get(obj, key)
    return None


def _to_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` struct_time (already UTC) as an aware datetime."""
    if value is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(f) for f in tuple(value)[:6])
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _clean_url(raw: Any, base: str) -> str:
    """An absolute http(s) URL, or ``""``: javascript:, data: and friends never reach the UI."""
    if not isinstance(raw, str):
        return ""
    url = "".join(raw.split())  # pretty-printed feeds put newlines and indentation in <link>
    if not url or len(url) > URL_MAX:
        return ""
    try:
        url = urljoin(base, url) if base else url
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    clean = sanitize_text(url, URL_MAX)
    return clean if clean == url else ""  # a URL with controls in it is not a URL


def _text(raw: Any, detail: Any, max_len: int) -> str:
    """A feed text field as one sanitised line, markup stripped when it is (or looks like) HTML."""
    if not isinstance(raw, str):
        return ""
    if _get(detail, "type") in _HTML_TYPES or _MARKUP.search(raw):
        raw = html_to_text(raw)
    return sanitize_text(raw, max_len)


# Publishers whose feed titles do not name them ("International: Top News And Analysis").
KNOWN_PUBLISHERS: dict[str, str] = {
    "cnbc.com": "CNBC",
    "marketwatch.com": "MarketWatch",
    "feeds.content.dowjones.io": "MarketWatch",
    "finance.yahoo.com": "Yahoo Finance",
    "coindesk.com": "CoinDesk",
    "cointelegraph.com": "Cointelegraph",
    "seekingalpha.com": "Seeking Alpha",
    "reuters.com": "Reuters",
    "bloomberg.com": "Bloomberg",
    "ft.com": "Financial Times",
    "wsj.com": "WSJ",
}


def _feed_source(feed: Any, feed_url: str) -> str:
    """Publisher shown for items without their own ``<source>``: a known publisher by host,
    else the feed title, else the host."""
    try:
        host = (urlsplit(feed_url).hostname or "").removeprefix("www.")
    except ValueError:
        host = ""
    for domain, name in KNOWN_PUBLISHERS.items():
        if host == domain or host.endswith("." + domain):
            return name
    text = _text(_get(feed, "title"), _get(feed, "title_detail"), 1000)
    if text:
        return sanitize_text(_FEED_NOISE.sub("", text), SOURCE_MAX)
    return sanitize_text(host, SOURCE_MAX)


def _entry_source(entry: Any) -> str:
    """The item's own publisher (Google News ``<source>``), if it names one."""
    source = _get(entry, "source")
    return _text(_get(source, "title"), _get(source, "title_detail"), SOURCE_MAX)


def _strip_publisher(title: str, source: str) -> str:
    """Google News appends " - Publisher" to every title; drop it when it repeats the source."""
    if not source:
        return title
    suffix = f" - {source}"
    if len(title) > len(suffix) and title.casefold().endswith(suffix.casefold()):
        return title[: -len(suffix)].rstrip()
    return title


def parse_feed(body: bytes, feed_url: str) -> list[Headline]:
    """Headlines from one RSS/Atom document.

    Returns ``[]`` for a document that parses but holds no items (an HTML page, a sitemap) and
    raises ``FetchError(PARSE)`` for one that is not a feed at all or declares entities.
    """
    if not body.strip():
        raise FetchError(ErrorKind.PARSE, "empty feed document")
    if _declares_entities(body):
        raise FetchError(ErrorKind.PARSE, "feed declares entities; refused")
    import feedparser

    try:
        parsed: Any = feedparser.parse(io.BytesIO(body), sanitize_html=True)
    except Exception as exc:  # feedparser on hostile input: report, never crash the engine
        raise FetchError(ErrorKind.PARSE, f"feed parser failed: {type(exc).__name__}") from exc
    feed = _get(parsed, "feed")
    entries = _get(parsed, "entries")
    entries = entries if isinstance(entries, list) else []
    if _get(parsed, "bozo") and not entries and not _get(feed, "title"):
        reason = _get(parsed, "bozo_exception")
        raise FetchError(ErrorKind.PARSE, f"not a feed: {reason or 'unparseable'}")

    feed_source = _feed_source(feed, feed_url)
    headlines: list[Headline] = []
    for entry in entries:
        title = _text(_get(entry, "title"), _get(entry, "title_detail"), 10 * TITLE_MAX)
        if not title:
            continue
        source = _entry_source(entry)
        title = sanitize_text(_strip_publisher(title, source), TITLE_MAX)
        published = _to_utc(_get(entry, "published_parsed") or _get(entry, "updated_parsed"))
        headlines.append(
            Headline(
                title=title,
                source=source or feed_source,
                published=published,
                url=_clean_url(_get(entry, "link"), feed_url),
            )
        )
    return headlines


class RssHeadlines:
    """The headlines source: every configured feed, fetched concurrently and merged."""

    name: ClassVar[str] = "headlines"

    def __init__(self, fetcher: Fetcher, feeds: Sequence[str], max_items: int = 100) -> None:
        self.fetcher = fetcher
        self.feeds = tuple(feeds)
        self.max_items = max_items

    async def _fetch_one(self, url: str) -> list[Headline]:
        resp = await self.fetcher.get(url)
        if not 200 <= resp.status < 300:
            raise status_error(resp)
        # Parsing a few hundred KB of XML takes long enough to stutter the UI: off the loop.
        return await asyncio.to_thread(parse_feed, resp.body, url)

    async def fetch(self) -> HeadlineResult:
        """Merge every feed that answered; raise only when all failed for network reasons."""
        results = await asyncio.gather(
            *(self._fetch_one(url) for url in self.feeds), return_exceptions=True
        )
        batches: list[list[Headline]] = []
        raised: list[FetchError] = []
        errors: list[SourceError] = []
        for url, result in zip(self.feeds, results, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                exc = (
                    result
                    if isinstance(result, FetchError)
                    else FetchError(ErrorKind.PARSE, f"{type(result).__name__}: {result}")
                )
                raised.append(exc)
                errors.append(exc.to_error(self.name, url))
            else:
                batches.append(result)
        if raised and not batches and all(e.kind in _SOURCE_WIDE for e in raised):
            worst = max(raised, key=lambda e: e.retry_after or 0.0)
            raise FetchError(
                worst.kind,
                f"all {len(raised)} feeds failed: {worst.message}",
                source=self.name,
                status=worst.status,
                retry_after=worst.retry_after,
            )
        return HeadlineResult(merge_headlines(batches, self.max_items), tuple(errors))
