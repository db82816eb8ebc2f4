"""Untrusted text is made safe for a terminal: escapes, controls, bidi and length."""

from __future__ import annotations

import pytest

from tui.data.sanitize import DEFAULT_MAX_LEN, sanitize_optional, sanitize_text

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # CSI
        (f"{ESC}[2JApple", "Apple"),
        (f"{ESC}[31mred{ESC}[0m text", "red text"),
        (f"a{ESC}[38;2;255;0;0mb", "ab"),
        (f"x{ESC}[?1049hy", "xy"),  # alternate screen
        (f"up{ESC}[10A", "up"),
        # OSC 0: window title, BEL- and ST-terminated
        (f"{ESC}]0;pwned{BEL}Gold", "Gold"),
        (f"{ESC}]0;pwned{ST}Gold", "Gold"),
        # OSC 8: hyperlink, the visible text stays, the URL goes
        (f"{ESC}]8;;https://evil.example/{ST}click{ESC}]8;;{ST}", "click"),
        (f"{ESC}]8;;https://evil.example/{BEL}click{ESC}]8;;{BEL}", "click"),
        # OSC 52: clipboard write
        (f"a{ESC}]52;c;cm0gLXJmIH4K{BEL}b", "ab"),
        (f"a{ESC}]52;c;cm0gLXJmIH4K{ST}b", "ab"),
        (f"a{ESC}]52;c;cm0gLXJmIH4K", "a"),  # unterminated: the rest is the sequence
        # DCS, SOS, PM, APC
        (f"x{ESC}P1$r0m{ST}y", "xy"),
        (f"x{ESC}Pq#0;2;0;0;0#0!10~{ST}y", "xy"),  # sixel
        (f"x{ESC}_apc payload{ST}y", "xy"),
        (f"x{ESC}^pm{ST}y", "xy"),
        (f"x{ESC}Xsos{ST}y", "xy"),
        # 8-bit C1 introducers
        ("a\x9b2Jb", "ab"),  # CSI
        ("a\x9b31mred", "ared"),
        ("a\x9d0;title\x07b", "ab"),  # OSC
        ("a\x9d52;c;Zm9v\x9cb", "ab"),  # OSC ended by 8-bit ST
        ("a\x90q#0\x9cb", "ab"),  # DCS
        ("a\x85b", "a b"),  # NEL is a line break
        ("a\x80\x81\x8e\x9ab", "ab"),  # other C1 controls
        ("a\x9fapc\x9cb", "ab"),  # APC
        # other ESC sequences
        (f"a{ESC}cb", "ab"),  # RIS
        (f"a{ESC}(0b", "ab"),  # charset designation (line drawing)
        (f"a{ESC}", "a"),
        (f"a{ESC}{ESC}[1mb", "ab"),
        # bare C0 and DEL
        (f"ding{BEL}dong", "dingdong"),
        ("nul\x00byte", "nulbyte"),
        ("back\x08space", "backspace"),
        ("del\x7fete", "delete"),
        ("a\x1c\x1d\x1e\x1fb", "a b"),  # separators count as whitespace
        # bidi embeddings, overrides, isolates and marks
        ("\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"),
        ("\u2066a\u2067b\u2068c\u2069d", "abcd"),
        ("price\u202e 001$", "price 001$"),
        ("a\u200eb\u200fc\u061cd", "abcd"),
        # zero-width and invisible format characters
        ("a\u200bb\u200cc\u200dd", "abcd"),
        ("\ufeffBOM\u2060word", "BOMword"),
        # whitespace folding
        ("line one\nline two", "line one line two"),
        ("a\r\n\r\nb", "a b"),
        ("a\t\tb", "a b"),
        ("  padded \n ", "padded"),
        ("a\u00a0b\u2003c\u2028d\u2029e", "a b c d e"),
        ("a\n\u200b\nb", "a b"),  # a removed character between two folded spaces
        ("a \x07 b", "a b"),
        ("a \u202e b", "a b"),
        (f"a {ESC}[2J b", "a b"),
        # markup is left as literal text (the UI renders plain Text)
        ("[bold]x[/]", "[bold]x[/]"),
        ("[@click=app.quit]Quit[/]", "[@click=app.quit]Quit[/]"),
        ("[link=https://evil.example]x[/link]", "[link=https://evil.example]x[/link]"),
        # normal Unicode is kept
        ("Société Générale", "Société Générale"),
        ("日本経済新聞", "日本経済新聞"),
        ("Bitcoin 🚀📈", "Bitcoin 🚀📈"),
        ("€ £ ¥ ₿ –—…", "€ £ ¥ ₿ –—…"),
        ("Ünïcödé", "Ünïcödé"),
        ("e\u0301", "é"),  # NFC
    ],
)
def test_sanitize_text(raw: str, clean: str) -> None:
    assert sanitize_text(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        f"{ESC}[2J{ESC}]0;t{BEL}{ESC}]52;c;eA=={ST}\x9b1m\x9d8;;u\x9c\u202e\u2066\u200b{BEL}\x7f",
        f"{ESC}[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15m" * 50,
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12",
    ],
)
def test_nothing_dangerous_survives(raw: str) -> None:
    out = sanitize_text(f"safe{raw}text")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in out)
    assert not any(ch in out for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert out.startswith("safe")


@pytest.mark.parametrize("limit", [1, 2, 10, 120, DEFAULT_MAX_LEN])
def test_long_input_is_truncated_with_an_ellipsis(limit: int) -> None:
    out = sanitize_text("a" * 10_000, limit)
    assert len(out) == limit
    assert out.endswith("…")
    assert out[:-1] == "a" * (limit - 1)


def test_default_limit_applies() -> None:
    out = sanitize_text("word " * 2_000)
    assert len(out) <= DEFAULT_MAX_LEN
    assert out.endswith("…")
    assert not out[:-1].endswith(" ")  # no dangling space before the ellipsis


def test_text_at_the_limit_is_not_truncated() -> None:
    assert sanitize_text("b" * 50, 50) == "b" * 50


def test_limit_counts_clean_characters() -> None:
    raw = f"{ESC}]0;{'x' * 1000}{BEL}short"
    assert sanitize_text(raw, 10) == "short"


@pytest.mark.parametrize(
    ("value", "clean"), [(None, ""), (123, "123"), (1.5, "1.5"), (b"x", "b'x'")]
)
def test_non_strings(value: object, clean: str) -> None:
    assert sanitize_text(value) == clean


@pytest.mark.parametrize("value", [None, "", "   ", f"{ESC}[2J", "\u202e\u200b\n"])
def test_sanitize_optional_empty_is_none(value: object) -> None:
    assert sanitize_optional(value) is None


def test_sanitize_optional_keeps_text() -> None:
    assert sanitize_optional(f"{ESC}[1mS&P 500{ESC}[0m", 120) == "S&P 500"
