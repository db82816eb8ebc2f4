"""Terminal safety: the real app, fed hostile data, writes only its own escape sequences.

``python -m tui --config …`` runs under a pseudo-terminal against a server on 127.0.0.1 that
puts the corpus of ``tests/hostile.py`` into every field the app shows: headline titles and
sources, instrument names, error messages; one source of every pane fails. Every byte the app
writes is captured and every ESC / CSI / OSC / DCS / C1 in it is checked against the
allow-list below, frozen from a capture of the app on benign data (xterm-256color, 120x40, a
pty that answers no queries):

* the start-up preamble, exactly: alternate screen (1049h), mouse reporting (1000/1003/1015/1006,
  sent twice by Textual's Linux driver), hide the cursor (25l), focus events (1004h), the kitty
  keyboard protocol (``CSI > 25 u``), DECRQM queries for synchronised output (2026) and in-band
  resize (2048), bracketed paste (2004h), auto-wrap off (7l);
* the shutdown postamble, exactly: each of those undone (``CSI < u`` pops the kitty flags);
* in between, only SGR (``CSI … m`` with 0 reset, 1 bold, 3 italic, 4 underline, 7 reverse and
  256-colour ``38;5;n`` / ``48;5;n``: Textual downgrades theme colours to the 256 palette, so it
  never emits the 16-colour codes 30-37/90-97, blink or conceal), cursor position
  (``CSI row;col H``) and the kitty pointer shape ``OSC 22;default BEL`` (Textual's
  ``App._set_pointer_shape``; its BEL is the only BEL allowed).

Textual emits no OSC 0/2 (title), no OSC 8, no OSC 52 (only on an explicit copy, which this test
never triggers), no DCS and no C1 characters, so any of those in the stream came from the data.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import hostile
from tests.helpers import SHARED_FIXTURES
from tests.upstream import Upstream, serve

COLS, ROWS = 120, 40
POSIX = os.name == "posix"
needs_pty = pytest.mark.skipif(not POSIX, reason="needs a POSIX pseudo-terminal")
needs_tmux = pytest.mark.skipif(
    not POSIX or shutil.which("tmux") is None, reason="tmux is not installed"
)

# --- the frozen allow-list -----------------------------------------------------------------

FRAME_START = (
    "\x1b[?1049h",
    "\x1b[?1000h",
    "\x1b[?1003h",
    "\x1b[?1015h",
    "\x1b[?1006h",
    "\x1b[?25l",
    "\x1b[?1004h",
    "\x1b[>25u",
    "\x1b[?2026$p",
    "\x1b[?2048$p",
    "\x1b[?2004h",
    "\x1b[?7l",
    "\x1b[?1000h",
    "\x1b[?1003h",
    "\x1b[?1015h",
    "\x1b[?1006h",
)
FRAME_END = (
    "\x1b[?2004l",
    "\x1b[?7h",
    "\x1b[?1000l",
    "\x1b[?1003l",
    "\x1b[?1015l",
    "\x1b[?1006l",
    "\x1b[<u",
    "\x1b[?1049l",
    "\x1b[?25h",
    "\x1b[?1004l",
    "\x1b[?1000l",
    "\x1b[?1003l",
    "\x1b[?1015l",
    "\x1b[?1006l",
)
SGR_ATTRIBUTES = frozenset({"0", "1", "3", "4", "7"})
POINTER_SHAPE = "\x1b]22;default\x07"
_CUP = re.compile(r"\x1b\[\d{1,3};\d{1,3}H")
_SGR = re.compile(r"\x1b\[([0-9;]+)m")

# Every escape sequence or C1 control, whatever it is (the last two catch lone ESC and C1).
_TOKEN = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, to BEL or ST
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # other ESC sequences
    r"|\x1b"
    r"|[\x80-\x9f]",
    re.DOTALL,
)
# Left over once the allowed sequences are removed: nothing but CR/LF may be a control, and no
# bidi or zero-width character may survive (Textual itself never writes one).
_FORBIDDEN_CHAR = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def _sgr_allowed(params: str) -> bool:
    parts = params.split(";")
    i = 0
    while i < len(parts):
        if parts[i] in ("38", "48"):
            if parts[i + 1 : i + 2] != ["5"] or not parts[i + 2 : i + 3]:
                return False
            if not parts[i + 2].isdigit() or int(parts[i + 2]) > 255:
                return False
            i += 3
        elif parts[i] in SGR_ATTRIBUTES:
            i += 1
        else:
            return False
    return True


def _allowed_in_frame(token: str) -> bool:
    if token == POINTER_SHAPE or _CUP.fullmatch(token):
        return True
    sgr = _SGR.fullmatch(token)
    return bool(sgr and _sgr_allowed(sgr.group(1)))


@dataclass
class Inspection:
    text: str  # the decoded stream
    foreign: list[str]  # sequences in the frame that are not on the allow-list
    visible: str  # the frame with every allowed sequence removed
    tokens: list[str]  # every sequence in the frame


def inspect_stream(raw: bytes) -> Inspection:
    """Decode, check preamble and postamble, and classify every sequence in between."""
    text = raw.decode("utf-8")  # strict: the app writes UTF-8 and nothing else
    start, end = "".join(FRAME_START), "".join(FRAME_END)
    assert text.startswith(start), f"unexpected start-up sequences: {text[:200]!r}"
    assert text.endswith(end), f"unexpected end of output: {text[-400:]!r}"
    frame = text[len(start) : len(text) - len(end)]
    tokens = [m.group() for m in _TOKEN.finditer(frame)]
    foreign = sorted({t for t in tokens if not _allowed_in_frame(t)})
    visible = _TOKEN.sub(lambda m: "" if _allowed_in_frame(m.group()) else m.group(), frame)
    return Inspection(text, foreign, visible, tokens)


def assert_terminal_safe(raw: bytes) -> Inspection:
    seen = inspect_stream(raw)
    assert not seen.foreign, f"escape sequences the app did not generate: {seen.foreign[:20]}"
    leftovers = sorted({f"U+{ord(c):04X}" for c in _FORBIDDEN_CHAR.findall(seen.visible)})
    assert not leftovers, f"control/bidi/invisible characters reached the terminal: {leftovers}"
    for token in seen.tokens:
        for secret in hostile.SECRETS:
            assert secret not in token, f"corpus payload {secret!r} inside {token!r}"
    # The whole OSC/DCS, parameters included, is dropped: its payload is not even shown as text.
    assert hostile.CLIPBOARD_B64 not in seen.text
    assert hostile.FAKE_TITLE not in seen.text
    assert "Traceback" not in seen.text
    return seen


# --- running the real app under a pty -------------------------------------------------------


def terminal_env(term: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLORTERM", "NO_COLOR", "FORCE_COLOR", "TMUX", "TMUX_PANE")
        and not k.startswith("TEXTUAL")
    }
    env.update(TERM=term, TZ="UTC", PYTHONIOENCODING="utf-8")
    return env


@dataclass
class PtyRun:
    raw: bytes
    returncode: int
    hung: bool


def _drain(fd: int, out: bytearray, seconds: float, until: bytes | None = None) -> bool:
    """Read what the app writes for ``seconds`` (or until ``until`` appears); False on EOF."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if until is not None and until in out:
            return True
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the slave side is closed, the app is gone
            return False
        if not chunk:
            return False
        out.extend(chunk)
    return True


def run_in_pty(
    config: Path,
    keys: Sequence[bytes],
    *,
    ready: bytes | None,
    args: Sequence[str] = (),
    key_pause: float = 0.5,
) -> PtyRun:
    """Run ``python -m tui --config config`` at 120x40, press ``keys`` once ``ready`` shows."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "--config", str(config), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=terminal_env("xterm-256color"),
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    out = bytearray()
    hung = False
    try:
        if ready is not None:
            _drain(master, out, 20.0, until=ready)
            _drain(master, out, 1.0)
        for key in keys:
            if proc.poll() is not None:
                break
            os.write(master, key)
            _drain(master, out, key_pause)
        deadline = time.monotonic() + 10.0
        while proc.poll() is None and time.monotonic() < deadline:
            _drain(master, out, 0.1)
        _drain(master, out, 0.3)
    finally:
        if proc.poll() is None:
            hung = True
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    return PtyRun(bytes(out), proc.returncode, hung)


# --- the hostile upstream ---------------------------------------------------------------------

EVIL = [f"EVIL.{i:02d}" for i in range(len(hostile.CORPUS))]
ENTITY_FEEDS = ("bomb", "xxe", "pe", "dtd")


def hostile_upstream() -> Upstream:
    up = Upstream()
    err = hostile.error_text()
    for i, (symbol, (_name, text)) in enumerate(zip(EVIL, hostile.CORPUS, strict=True)):
        path = f"/yahoo/v8/finance/chart/{symbol}"
        if i % 5 == 4:  # no shortName: longName is shown
            up.add(path, hostile.yahoo_chart(symbol, short_name=None, long_name=text))
        else:
            up.add(path, hostile.yahoo_chart(symbol, short_name=text, long_name="Fallback"))
    # Failing sources: their error bodies carry the whole corpus.
    up.add("/yahoo/v8/finance/chart/FAIL.X", hostile.yahoo_error(err), status=503)
    up.add("/yahoo/v8/finance/chart/BTC-USD", hostile.yahoo_error(err), status=503)
    up.add("/yahoo/v8/finance/chart/GC=F", hostile.yahoo_error(err))  # 200 with an error
    for part in ("ticker", "stats", "candles"):
        up.add(f"/coinbase/products/BTC-USD/{part}", hostile.coinbase_error(err), status=503)
    up.add("/binance/api/v3/ticker/24hr", hostile.binance_error(err), status=503)
    up.add("/coingecko/api/v3/coins/markets", hostile.coingecko_error(err), status=503)
    up.add("/goldapi/price/XAU", hostile.goldapi_error(err), status=503)
    rss = {"content_type": "application/rss+xml"}
    up.add("/rss/refs.xml", hostile.corpus_feed(), **rss)
    up.add("/rss/raw.xml", hostile.corpus_feed(raw_controls=True), **rss)
    up.add("/rss/bomb.xml", hostile.billion_laughs_feed(), **rss)
    return up


def add_entity_feeds(up: Upstream) -> None:
    """Needs the port: the external references point back at this very server."""
    rss = {"content_type": "application/rss+xml"}
    up.add("/rss/xxe.xml", hostile.external_entity_feed(f"{up.url}/evil/xxe"), **rss)
    up.add("/rss/pe.xml", hostile.parameter_entity_feed(f"{up.url}/evil/pe"), **rss)
    up.add("/rss/dtd.xml", hostile.external_dtd_feed(f"{up.url}/evil/dtd"), **rss)


def write_config(
    tmp_path: Path, base: str, feeds: Sequence[str], indices: Sequence[str] = (*EVIL, "FAIL.X")
) -> Path:
    quoted = ", ".join(json.dumps(s) for s in indices)
    feed_list = ", ".join(json.dumps(f"{base}{f}") for f in feeds)
    providers = "".join(
        f'[providers.{name}]\nbase_url = "{base}/{name}"\n'
        for name in ("yahoo", "coinbase", "binance", "coingecko", "goldapi", "fred")
    )
    path = tmp_path / f"config-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(
        f"""
[general]
timeout = 5

{providers}
[headlines]
feeds = [{feed_list}]

[panes.indices]
symbols = [{quoted}]

[panes.metals]
symbols = ["GC=F", "XAU"]
sources = ["yahoo", "goldapi"]

[panes.crypto]
symbols = ["BTC-USD"]
sources = ["coinbase", "binance", "coingecko", "yahoo"]
""",
        encoding="utf-8",
    )
    return path


HOSTILE_FEEDS = ("/rss/refs.xml", "/rss/raw.xml", "/rss/bomb.xml", "/rss/xxe.xml")
HOSTILE_FEEDS += ("/rss/pe.xml", "/rss/dtd.xml")


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[Upstream]:
    up = hostile_upstream()
    with serve(up):
        add_entity_feeds(up)
        yield up


# Keys that walk every view: indices detail (a hostile name), crypto detail (a failing
# source), the headlines screen, help, the command palette (names, searched), back, quit.
ESC_KEY = b"\x1b"
TOUR = (
    b"1",
    b"\r",
    ESC_KEY,
    b"3",
    b"\r",
    ESC_KEY,
    b"4",
    b"n",
    ESC_KEY,
    b"?",
    ESC_KEY,
    b"\x10",  # Ctrl+P
    b"red",
    ESC_KEY,
    b"q",
)


@pytest.fixture(scope="module")
def hostile_run(hostile_server: Upstream, tmp_path_factory: pytest.TempPathFactory) -> PtyRun:
    if not POSIX:
        pytest.skip("needs a POSIX pseudo-terminal")
    config = write_config(tmp_path_factory.mktemp("hostile"), hostile_server.url, HOSTILE_FEEDS)
    # A second per key: beside the six quote panes the main screen's headlines pane is small,
    # so some hostile titles reach the screen only on the headlines screen ("n").
    return run_in_pty(config, TOUR, ready=b"Erase screen", key_pause=1.0)


@needs_pty
def test_the_app_writes_only_its_own_escape_sequences(hostile_run: PtyRun) -> None:
    assert not hostile_run.hung, "the app did not quit on q"
    assert hostile_run.returncode == 0, hostile_run.raw[-2000:].decode("utf-8", "replace")
    seen = assert_terminal_safe(hostile_run.raw)
    # The hostile data really was on screen (sanitised), in every view the tour opened.
    for text in (
        "Erase screen",  # a headline title / an instrument name
        "Bell backspace",
        "[bold]BOLD[/]",
        "Previous close",  # the detail view
        "no data from any source",  # the detail view of the failing crypto row
        "Headlines ·",  # the headlines screen
        "command palette",  # help
        "Open the detail view",  # the command palette, listing instruments
    ):
        assert text in seen.visible, f"{text!r} never reached the screen"
    assert "LONGWWWW" in seen.visible  # the 10,000-character title, cut to fit


@needs_pty
def test_no_sequence_carries_corpus_payloads(hostile_run: PtyRun) -> None:
    seen = inspect_stream(hostile_run.raw)
    kinds = {
        "OSC 52": "\x1b]52",
        "OSC 8": "\x1b]8;",
        "OSC 0": "\x1b]0;",
        "OSC 2": "\x1b]2;",
        "DCS": "\x1bP",
    }
    for what, prefix in kinds.items():
        hits = [t for t in seen.tokens if t.startswith(prefix)]
        assert not hits, f"{what} in the output: {hits[:3]}"
    assert "\x07" not in seen.text.replace(POINTER_SHAPE, "")
    assert not re.search("[\x80-\x9f]", seen.text), "a raw C1 control reached the terminal"


@needs_pty
def test_entities_are_never_expanded_or_fetched(
    hostile_run: PtyRun, hostile_server: Upstream, tmp_path: Path
) -> None:
    """The live run above requested every entity feed; the snapshot shows how each ended."""
    fetched = {r.split("?")[0] for r in hostile_server.requests}
    assert set(HOSTILE_FEEDS) <= fetched  # the app did fetch the entity feeds
    config = write_config(tmp_path, hostile_server.url, HOSTILE_FEEDS, indices=["EVIL.00"])
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--config", str(config), "snapshot", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=terminal_env("dumb"),
    )
    assert time.monotonic() - started < 20  # no exponential expansion
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    errors = {
        e["symbol"].removeprefix(hostile_server.url): e["message"]
        for e in data["errors"]
        if e["source"] == "headlines"
    }
    for feed in ("/rss/bomb.xml", "/rss/xxe.xml", "/rss/pe.xml"):
        assert errors.get(feed) == "feed declares entities; refused", errors
    titles = [h["title"] for h in data["headlines"]]
    assert "External DTD item" in titles  # parsed, but its DTD never fetched
    assert not any("lol" in t for t in titles)
    assert not any(r.startswith("/evil") for r in hostile_server.requests), hostile_server.requests


@needs_pty
def test_snapshot_table_prints_error_messages_harmlessly(
    hostile_server: Upstream, tmp_path: Path
) -> None:
    """``marketmon snapshot`` in a terminal: Rich output, where the error messages show."""
    config = write_config(tmp_path, hostile_server.url, ("/rss/refs.xml",))
    run = run_in_pty(config, (), ready=None, args=("snapshot",))
    assert run.returncode == 0 and not run.hung
    text = run.raw.decode("utf-8")
    tokens = {m.group() for m in _TOKEN.finditer(text)}
    # Rich writes SGR only (16-colour codes included, for green/red/yellow).
    foreign = sorted(t for t in tokens if not re.fullmatch(r"\x1b\[[0-9;]*m", t))
    assert not foreign, foreign
    params = {p for t in tokens for p in t[2:-1].split(";")}
    assert not params & {"5", "6", "8", "107"}, "an SGR from the corpus reached the terminal"
    plain = _TOKEN.sub("", text)
    assert "Errors" in plain and "Erase screen" in plain  # error messages are displayed
    assert not _FORBIDDEN_CHAR.search(plain.replace("\r", "").replace("\n", ""))
    assert hostile.FAKE_TITLE not in plain and hostile.CLIPBOARD_B64 not in plain


# --- tmux: what a person sees ---------------------------------------------------------------


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout

    def alive(self, target: str) -> bool:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "list-panes", "-t", target, "-F", "#{pane_dead}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return result.returncode == 0 and result.stdout.strip() == "0"

    def wait_for(self, target: str, *texts: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", target)
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{texts!r} never all appeared; screen was:\n{screen}")


@needs_tmux
def test_markup_shows_literally_and_does_nothing(hostile_server: Upstream, tmp_path: Path) -> None:
    config = write_config(tmp_path, hostile_server.url, ("/rss/refs.xml", "/rss/raw.xml"))
    tmux = Tmux(f"mm-safety-{uuid.uuid4().hex[:8]}")
    session = "safety"
    exit_file = tmp_path / "exit-status"
    command = f"{sys.executable} -m tui --config {config}; echo $? > {exit_file}"
    env = terminal_env("xterm-256color")
    subprocess.run(
        ["tmux", "-L", tmux.socket, "-f", "/dev/null", "new-session", "-d", "-s", session]
        + ["-x", str(COLS), "-y", str(ROWS), command],
        check=True,
        env=env,
        timeout=10,
    )
    try:
        # At 120x40 the main screen's headlines pane holds only a few titles beside the six
        # quote panes; the hostile markup titles are checked on the headlines screen.
        screen = tmux.wait_for(session, "Erase screen", "Headlines")
        tmux("send-keys", "-t", session, "n")
        screen = tmux.wait_for(session, "Headlines ·", "[@click=app.quit]quit[/] click")
        for literal in hostile.LITERAL_MARKUP + ("[red on white]RW", "[link=https://evil"):
            assert literal in screen, literal
        # Click the hostile "[@click=app.quit]" text: it is plain text with no action, so the
        # clicks only select its row and open the link dialog, which shows the title literally.
        lines = screen.splitlines()
        row = next(i for i, line in enumerate(lines) if "[@click=app.quit]quit[/] click" in line)
        col = lines[row].index("[@click=app.quit]quit[/] click") + 3
        click = f"\x1b[<0;{col + 1};{row + 1}M\x1b[<0;{col + 1};{row + 1}m"
        for _ in range(2):
            tmux("send-keys", "-t", session, "-H", *(f"{ord(c):02x}" for c in click))
            time.sleep(0.4)
        screen = tmux.wait_for(session, "escape close", "[@click=app.quit]quit[/] click")
        assert tmux.alive(session), "the app died after a click on hostile markup"
        for _ in range(2):  # close the dialog, leave the headlines screen
            tmux("send-keys", "-t", session, "Escape")
            time.sleep(0.6)  # a key right after Escape would read as Alt+key
        tmux.wait_for(session, "Erase screen", "Global indices")
        assert tmux.alive(session), "the app quit before q was pressed"
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while tmux.alive(session) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(session), "q did not quit:\n" + tmux(
            "capture-pane", "-p", "-t", session
        )
        assert exit_file.read_text().strip() == "0"  # a clean exit, not a crash
    finally:
        subprocess.run(
            ["tmux", "-L", tmux.socket, "kill-server"], capture_output=True, check=False, timeout=10
        )
        tmux_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (tmux_dir / tmux.socket).unlink(missing_ok=True)


# --- feedparser's own torture tests through the live app --------------------------------------


@needs_pty
def test_feedparser_hostile_fixtures_in_the_live_app(tmp_path: Path) -> None:
    folder = SHARED_FIXTURES / "feedparser-hostile"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    up = Upstream()
    up.add("/yahoo/v8/finance/chart/EVIL.00", hostile.yahoo_chart("EVIL.00", short_name="Plain"))
    for path in files:
        up.add(f"/fp/{path.name}", path.read_bytes(), content_type="application/rss+xml")
    with serve(up):
        feeds = [f"/fp/{p.name}" for p in files]
        config = write_config(tmp_path, up.url, feeds, indices=["EVIL.00"])
        run = run_in_pty(config, (b"4", b"n", ESC_KEY, b"q"), ready=b"headlines", key_pause=0.6)
        fetched = {r.split("?")[0] for r in up.requests}
    assert not run.hung and run.returncode == 0, run.raw[-2000:].decode("utf-8", "replace")
    assert set(feeds) <= fetched
    seen = assert_terminal_safe(run.raw)
    assert "Headlines ·" in seen.visible
