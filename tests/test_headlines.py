"""Headline parsing, merging and tagging, against hand-written feeds in tests/fixtures/."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from tests.helpers import own_fixture
from tui.data.errors import ErrorKind, FetchError
from tui.data.headlines import merge_headlines, relate_headlines, title_key
from tui.data.http import Fetcher, make_client
from tui.data.providers.rss import RssHeadlines, html_to_text, parse_feed
from tui.data.snapshot import Headline

RSS_URL = "https://feeds.example.com/markets.xml"
ATOM_URL = "https://atom.example.org/feed.atom"
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
KEYWORDS = {
    "GC=F": ["gold"],
    "^KS11": ["kospi"],
    "BTC-USD": ["bitcoin", "btc"],
    "^GSPC": ["S&P 500"],
}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def h(title: str, published: datetime | None = None, url: str = "", source: str = "s") -> Headline:
    return Headline(title=title, source=source, published=published, url=url)


# --- parse_feed: RSS 2.0 -------------------------------------------------------------------


def test_rss_items_are_normalised() -> None:
    items = parse_feed(own_fixture("rss_markets.xml"), RSS_URL)
    assert [(i.title, i.source, i.published, i.url) for i in items] == [
        (
            "Gold hits record as Goldman raises forecast",
            "Example Markets Wire",
            utc(2026, 3, 2, 14, 30),  # 09:30 -0500
            "https://feeds.example.com/markets/gold-record",  # newline + indent trimmed
        ),
        (
            "KOSPI rallies [bold red]x[/] [@click=app.quit]quit[/]",  # U+202E gone, markup kept
            "Example Markets Wire",
            utc(2026, 3, 2, 6, 15),
            "https://feeds.example.com/markets/kospi",
        ),
        (
            "Bitcoin tops $100,000 as ETF flows surge",  # " - Reuters" stripped
            "Reuters",  # the item's own <source>
            utc(2026, 3, 1, 14, 59, 59),  # 23:59:59 +0900 is the previous day in UTC
            "https://news.google.com/rss/articles/CBMiExample?oc=5",
        ),
        (
            "S&P 500 futures slip; AT&T & Verizon lag",
            "Example Markets Wire",
            None,  # no pubDate
            "",  # javascript: link dropped
        ),
        (
            "Oil & gas steady",  # double-escaped tags stripped, <script> body dropped
            "Example Markets Wire",
            utc(2026, 3, 2, 7, 0),
            "https://feeds.example.com/markets/oil",  # relative link resolved against the feed
        ),
    ]
    assert all(i.related == () for i in items)


def test_rss_markup_stays_literal_text() -> None:
    kospi = parse_feed(own_fixture("rss_markets.xml"), RSS_URL)[1]
    assert "[bold red]x[/]" in kospi.title
    assert "[@click=app.quit]" in kospi.title
    assert "\u202e" not in kospi.title


def test_terminal_escapes_are_stripped_and_other_items_survive() -> None:
    # Raw ESC/BEL make the XML ill-formed: feedparser's loose parser still recovers both items.
    items = parse_feed(own_fixture("rss_terminal_escapes.xml"), "https://hostile.example.net/rss")
    assert [(i.title, i.source, i.published, i.url) for i in items] == [
        (
            "Fed holds rates steady [bold red]x[/] [@click=app.quit]quit[/] done",
            "Terminal Hostile Feed",
            utc(2026, 3, 3, 18),
            "",  # a link with an escape sequence in it is not a link
        ),
        (
            "Second item survives",
            "Terminal Hostile Feed",
            utc(2026, 3, 3, 17),
            "https://hostile.example.net/second",
        ),
    ]
    for item in items:
        assert not UNSAFE.search(item.title + item.source + item.url)
        assert "52;c" not in item.title  # the OSC 52 payload went with its escape


# --- parse_feed: Atom ------------------------------------------------------------------------


def test_atom_entries_are_normalised() -> None:
    items = parse_feed(own_fixture("atom_markets.xml"), ATOM_URL)
    assert [(i.title, i.source, i.published, i.url) for i in items] == [
        (
            "Gold & silver climb",
            "Example Atom Desk",  # html feed title unescaped, " - Google News" dropped
            utc(2026, 3, 2, 15),  # only <updated>: 10:00 -05:00
            "https://atom.example.org/metals",
        ),
        (
            "GOLD hits record, as Goldman raises forecast!",
            "Example Atom Desk",
            utc(2026, 3, 2, 14, 45),  # <published> wins over <updated>
            "https://atom.example.org/gold-record-copy",
        ),
        (
            "Kospi closes higher",  # xhtml title flattened
            "Example Atom Desk",
            utc(2026, 3, 1, 22),  # 07:00 +09:00
            "https://feeds.example.com/markets/kospi",
        ),
        ("Undated desk note", "Example Atom Desk", None, "https://atom.example.org/note"),
    ]


def test_source_falls_back_to_feed_host() -> None:
    body = b'<rss version="2.0"><channel><item><title>Only a title</title></item></channel></rss>'
    [item] = parse_feed(body, "https://www.news.example.com/rss?x=1")
    assert item.source == "news.example.com"
    assert item.url == ""
    assert item.published is None


def test_long_title_is_capped() -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><title>'
        + b"word " * 200
        + b"</title></item></channel></rss>"
    )
    [item] = parse_feed(body, RSS_URL)
    assert len(item.title) <= 300
    assert item.title.endswith("…")


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<b>Oil</b> &amp; gas", "Oil & gas"),
        ("1<2 and a<b", "1<2 and a<b"),  # not tags: kept
        ("AT&T &lt;T&gt;", "AT&T <T>"),
        ("a<!-- hidden --><script>bad()</script><style>p{}</style>b", "ab"),
        ("<p>one</p><p>two</p>", " one  two "),  # block tags separate words
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


# --- parse_feed: refusals and non-feeds --------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_declarations_are_refused(name: str) -> None:
    with pytest.raises(FetchError, match="declares entities") as info:
        parse_feed(own_fixture(name), RSS_URL)
    assert info.value.kind is ErrorKind.PARSE


def test_entities_on_the_doctype_line_are_refused() -> None:
    # feedparser's own DOCTYPE scrubbing is line-based and lets this shape through to expat.
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aa"><!ENTITY b "&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><item><title>&b;</title></item></channel></rss>'
    )
    with pytest.raises(FetchError, match="declares entities"):
        parse_feed(body, RSS_URL)


def test_entity_declarations_in_utf16_are_refused() -> None:
    text = own_fixture("billion_laughs.xml").decode().replace('<?xml version="1.0"?>', "")
    with pytest.raises(FetchError, match="declares entities"):
        parse_feed(text.encode("utf-16"), RSS_URL)


def test_entity_declarations_hidden_in_utf7_are_refused() -> None:
    # "+ADw-" is "<" in UTF-7: invisible to a byte scan, but feedparser decodes and expands it.
    body = (
        b'<?xml version="1.0" encoding="utf-7"?>+ADw-!DOCTYPE r [+ADw-!ENTITY a "aa"+AD4-'
        b'+ADw-!ENTITY b "+ACY-a;+ACY-a;+ACY-a;"+AD4-]+AD4-'
        b'<rss version="2.0"><channel><item><title>+ACY-b;</title></item></channel></rss>'
    )
    with pytest.raises(FetchError, match="declares entities"):
        parse_feed(body, RSS_URL)


def test_doctype_without_entities_is_parsed() -> None:
    body = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        b'<rss version="0.91"><channel><title>Old</title>'
        b"<item><title>Still here</title><link>http://old.example.com/a</link></item>"
        b"</channel></rss>"
    )
    [item] = parse_feed(body, RSS_URL)
    assert (item.title, item.source, item.url) == ("Still here", "Old", "http://old.example.com/a")


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Consent</title></head><body><p>Click OK</p></body></html>",
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
        b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
    ],
    ids=["html-page", "sitemap", "no-items"],
)
def test_documents_without_items_are_empty(body: bytes) -> None:
    assert parse_feed(body, RSS_URL) == []


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b'{"error": "nope"}', b"<rss version='2.0'>", b"\x00\x01 not xml"],
    ids=["empty", "blank", "json", "truncated", "binary"],
)
def test_unparseable_documents_raise_parse(body: bytes) -> None:
    with pytest.raises(FetchError) as info:
        parse_feed(body, RSS_URL)
    assert info.value.kind is ErrorKind.PARSE


# --- merge_headlines ---------------------------------------------------------------------------


def test_merge_dedupes_fixture_feeds_newest_first() -> None:
    rss = parse_feed(own_fixture("rss_markets.xml"), RSS_URL)
    atom = parse_feed(own_fixture("atom_markets.xml"), ATOM_URL)
    merged = merge_headlines([rss, atom], limit=50)
    assert [(m.title, m.published) for m in merged] == [
        ("Gold & silver climb", utc(2026, 3, 2, 15)),
        # same story as the Atom "GOLD hits record, ...!" copy: the earlier RSS report is kept
        ("Gold hits record as Goldman raises forecast", utc(2026, 3, 2, 14, 30)),
        ("Oil & gas steady", utc(2026, 3, 2, 7)),
        # same URL as the RSS "KOSPI rallies ..." item, which is later: the Atom report is kept
        ("Kospi closes higher", utc(2026, 3, 1, 22)),
        ("Bitcoin tops $100,000 as ETF flows surge", utc(2026, 3, 1, 14, 59, 59)),
        ("S&P 500 futures slip; AT&T & Verizon lag", None),
        ("Undated desk note", None),
    ]


def test_merge_prefers_dated_copy_and_earliest_report() -> None:
    undated = h("Oil jumps 5%", None, "https://a.example/1")
    dated = h("OIL JUMPS 5 %!", utc(2026, 3, 2, 9), "https://b.example/1")
    earlier = h("oil jumps  5%", utc(2026, 3, 2, 8), "https://c.example/1")
    assert merge_headlines([[undated], [dated], [earlier]], 10) == (earlier,)
    assert merge_headlines([[dated, undated]], 10) == (dated,)


def test_merge_dedupes_by_url_and_caps() -> None:
    a = h("First wording", utc(2026, 3, 2, 10), "https://x.example/story")
    b = h("Reworded later", utc(2026, 3, 2, 11), "https://x.example/story/")
    c = h("Another story", utc(2026, 3, 2, 12), "https://x.example/other")
    d = h("Undated", None, "")
    e = h("Also undated", None, "")
    assert merge_headlines([[a, b, c, d, e]], 10) == (c, a, d, e)  # undated keep feed order
    assert merge_headlines([[a, b, c, d, e]], 2) == (c, a)
    assert merge_headlines([[a, c]], 0) == ()


def test_merge_does_not_fold_titles_that_are_all_punctuation() -> None:
    a = h("!!!", utc(2026, 3, 2, 10), "https://x.example/1")
    b = h("???", utc(2026, 3, 2, 11), "https://x.example/2")
    assert merge_headlines([[a], [b]], 10) == (b, a)


def test_title_key() -> None:
    assert title_key("  Gold   HITS record, as   Goldman raises forecast!") == title_key(
        "gold hits record as goldman raises forecast"
    )


# --- relate_headlines --------------------------------------------------------------------------


def test_relate_whole_words_and_phrases() -> None:
    items = (
        h("Gold rallies while Goldman cuts targets"),
        h("Goldman Sachs upgrades miners"),
        h("KOSPI slides; bitcoin and BTC miners gain"),
        h("S&P 500 hits record as gold's run continues"),
        h("S&P 5000 is not the index"),
        h("Nothing here"),
    )
    related = relate_headlines(items, KEYWORDS)
    assert [r.related for r in related] == [
        ("GC=F",),
        (),
        ("^KS11", "BTC-USD"),
        ("GC=F", "^GSPC"),
        (),
        (),
    ]
    assert [r.title for r in related] == [i.title for i in items]
    assert all(i.related == () for i in items)  # originals untouched (frozen copies)


def test_relate_on_parsed_fixture() -> None:
    rss = parse_feed(own_fixture("rss_markets.xml"), RSS_URL)
    related = {r.title: r.related for r in relate_headlines(rss, KEYWORDS)}
    assert related["Gold hits record as Goldman raises forecast"] == ("GC=F",)
    assert related["KOSPI rallies [bold red]x[/] [@click=app.quit]quit[/]"] == ("^KS11",)
    assert related["Bitcoin tops $100,000 as ETF flows surge"] == ("BTC-USD",)
    assert related["S&P 500 futures slip; AT&T & Verizon lag"] == ("^GSPC",)


def test_relate_clears_stale_tags_and_ignores_empty_keywords() -> None:
    old = Headline("Silver only", "s", None, "", related=("GC=F",))
    [out] = relate_headlines([old], {"GC=F": ["gold", "", "  "], "X": []})
    assert out.related == ()


# --- RssHeadlines.fetch ------------------------------------------------------------------------

GOOD = "https://feeds.example.com/markets.xml"
ALSO_GOOD = "https://atom.example.org/feed.atom"
BROKEN = "https://broken.example.net/rss"


def fetcher_for(handler: Callable[[httpx.Request], httpx.Response]) -> Fetcher:
    return Fetcher(make_client(transport=httpx.MockTransport(handler)))


async def test_fetch_merges_feeds_and_reports_failing_one() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == GOOD:
            return httpx.Response(200, content=own_fixture("rss_markets.xml"))
        if url == ALSO_GOOD:
            return httpx.Response(200, content=own_fixture("atom_markets.xml"))
        return httpx.Response(500, text="Internal \x1b[31mError")

    feed = RssHeadlines(fetcher_for(handler), [GOOD, BROKEN, ALSO_GOOD], max_items=3)
    assert feed.name == "headlines"
    result = await feed.fetch()
    assert [r.title for r in result.headlines] == [
        "Gold & silver climb",
        "Gold hits record as Goldman raises forecast",
        "Oil & gas steady",
    ]
    [error] = result.errors
    assert (error.source, error.symbol, error.kind, error.status) == (
        "headlines",
        BROKEN,
        ErrorKind.HTTP,
        500,
    )
    assert "\x1b" not in error.message


async def test_fetch_reports_unparseable_feed_without_raising() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == GOOD:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, content=own_fixture("billion_laughs.xml"))

    result = await RssHeadlines(fetcher_for(handler), [GOOD, BROKEN]).fetch()
    assert result.headlines == ()
    assert {(e.symbol, e.kind) for e in result.errors} == {
        (GOOD, ErrorKind.NETWORK),
        (BROKEN, ErrorKind.PARSE),
    }


async def test_fetch_raises_source_wide_when_every_feed_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(FetchError) as info:
        await RssHeadlines(fetcher_for(handler), [GOOD, ALSO_GOOD, BROKEN]).fetch()
    assert info.value.kind is ErrorKind.NETWORK
    assert info.value.source == "headlines"
    assert info.value.symbol is None


async def test_fetch_rate_limited_everywhere_keeps_worst_retry_after() -> None:
    waits = {GOOD: "30", ALSO_GOOD: "120", BROKEN: "5"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": waits[str(request.url)]})

    with pytest.raises(FetchError) as info:
        await RssHeadlines(fetcher_for(handler), list(waits)).fetch()
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 120.0
    assert info.value.status == 429


async def test_fetch_with_no_feeds_is_empty() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    result = await RssHeadlines(fetcher_for(handler), []).fetch()
    assert (result.headlines, result.errors) == ((), ())
