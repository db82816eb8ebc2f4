"""Footprint: the real app in a real terminal — time to first prices, memory, CPU and bytes/s.

Each configuration is launched ``runs`` times (at least 3; the figure is the median), the runs
interleaved (run 1 of every configuration, then run 2 …) so that a slow minute of the machine
does not land on one configuration only:

* ``marketmon --demo`` at 160x48 (the default: tape scrolling, highlights on),
* ``marketmon --demo --low-bandwidth`` at 160x48,
* ``marketmon --demo`` at 80x24 (a tmux half-split: one pane at a time),
* the floor, ``python -m tests.bench.floor_app`` (a Header, a 40-row DataTable, a Footer, 40
  cells changed every 5 s: see its docstring), at 160x48 and at 80x24.

Terminal. By default every run gets a pseudo-terminal of its own (``os.openpty``; the window
size set with ``TIOCSWINSZ`` before the launch, the slave made the controlling terminal of a new
session), with ``TERM=xterm-256color``, ``TZ=UTC``, ``COLUMNS``/``LINES`` unset and
``XDG_CONFIG_HOME`` pointed at an empty folder (so a personal config cannot change what is
measured) and bytecode cached under ``/tmp/marketmon-bench-pycache`` (``PYTHONPYCACHEPREFIX``;
``PYTHONDONTWRITEBYTECODE`` dropped): an installed marketmon runs from ``.pyc`` files, so one
unmeasured warm-up launch of each program fills that cache before the measured runs. A reader
thread reads everything the app writes, as it is written, and stamps every read with the time
since the launch. ``MARKETMON_BENCH_TERMINAL=tmux`` (or ``run(...,
terminal="tmux")``) runs the same measurement inside a real tmux server instead: ``tmux
new-session -d -x COLS -y ROWS`` (status line off, so the pane really is COLSxROWS) whose pane
waits on ``read``; ``pipe-pane -o 'cat >> FILE'`` is started and FILE exists before Enter is
sent, so the capture holds every byte the app wrote into its pane; the reader thread tails FILE.

The own pty is the default because it measures the app and nothing else. ``pipe-pane`` captures
the pane's *input* (what the app writes), not tmux's redraw of the outer terminal, so tmux does
not inflate the byte count, but it does distort the rest: the tmux server parses and re-renders
every frame on the same 2 cores, the bytes reach the reader only after tmux → ``sh -c cat`` →
a file → a poll (a few ms late and bunched, which blurs time to first prices and the frame
grouping), and the launch goes through a shell. Run both to compare: on a 12 s run of ``demo
160x48`` both captured exactly the same 85,357 bytes (the demo is deterministic), first prices
0.437 s (pty) and 0.471 s (tmux).

Neither terminal answers Textual's start-up queries (DECRQM for synchronised output 2026 and
in-band resize 2048, the kitty keyboard protocol): tmux 3.3 does not implement them either. So
frames are not wrapped in ``CSI ? 2026 h/l``; a terminal that answers (kitty, WezTerm, foot,
Ghostty, recent tmux) adds 16 B per frame, which the byte breakdown prices in.

Page cache. Every measured launch is preceded by an unmeasured one of the same program: this
machine (a VM) reclaims idle page cache within a minute, and a launch after the floor's 65 s
runs read polars' 177 MB library from the disk again (first prices 0.57 s instead of 0.44 s).
The figures are warm starts, as for a tool run every day; ``cold_starts`` adds first prices
with the page cache dropped (as after a reboot), when the suite may do that (root).

Figures, per run:

* **first prices**: the byte stream is replayed into a terminal emulator (pyte) read by read;
  the figure is the time stamp of the first read after which the screen shows a price row: a
  line where ``S&P 500`` is followed by blanks and a price such as ``6,723.90`` (the floor:
  ``Floor 00`` followed by its price). Replaying after the run keeps the emulator's own CPU off
  the measured app; it is the moment the terminal *received* the row, launch included (Python
  start, imports, first layout, the engine's first poll).
* **RSS** of the app's process (``VmRSS`` in ``/proc/PID/status``), at 5 s and at 60 s (at
  ``seconds`` when that is shorter); MB = 10⁶ bytes.
* **CPU %** of one core between 5 s and ``seconds``: utime + stime + cutime + cstime from
  ``/proc/PID/stat`` (children included), over the wall time between the two samples.
* **bytes/s** written to the terminal between 5 s and ``seconds``.

Every run ends with ``q``; a run that has not exited 5 s later gets SIGTERM, then SIGKILL (to
its whole session); nothing outlives the suite. The raw stream of the last run of each
configuration goes to ``/tmp/marketmon-bench-<config>.bin`` (``<config>.times.tsv`` beside it:
the offset and time of every read), and a breakdown of where its bytes went (by kind of bytes,
by screen region, by write site) is printed to stderr.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyte
from wcwidth import wcwidth

from tests.bench.figures import Figure

ROOT = Path(__file__).resolve().parents[2]
TERMINAL_ENV = "MARKETMON_BENCH_TERMINAL"  # "pty" (default) or "tmux"
EARLY = 5.0  # the first samples; CPU and bytes/s are measured from here to ``seconds``
RSS_LATE = 60.0
QUIT_BOUND = 5.0  # after q, before SIGTERM
TERM_BOUND = 3.0  # after SIGTERM, before SIGKILL
FIRST_PRICES_LIMIT = 20.0  # replay at most this much of the stream looking for prices
FRAME_GAP = 0.004  # reads closer than this belong to one frame (a frame is one write)
SYNC_BYTES = len("\x1b[?2026h\x1b[?2026l")
MB = 1e6


def _marketmon() -> list[str]:
    script = Path(sys.executable).with_name("marketmon")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui"]


@dataclass(frozen=True)
class AppConfig:
    key: str  # file names: /tmp/marketmon-bench-<key>.bin
    label: str  # figure names: "first prices (<label>)"
    argv: tuple[str, ...]
    cols: int
    rows: int
    prices: re.Pattern[str]  # a screen line matching this shows prices
    floor: str | None = None  # key of the floor configuration of the same size
    target_bytes: float | None = None
    target_cpu: float | None = None
    env: tuple[tuple[str, str], ...] = ()  # added to bench_env() (tests/bench/startup.py)

    @property
    def is_floor(self) -> bool:
        return self.floor is None


PRICE = r"\s+\d{1,3}(?:,\d{3})*\.\d{2}\b"
MARKETMON_PRICES = re.compile(r"S&P 500" + PRICE)
FLOOR_PRICES = re.compile(r"Floor 00" + PRICE)


def configs() -> list[AppConfig]:
    # --no-cache: these figures are for a start without last-known prices (tests/bench/startup.py
    # measures the cached start); otherwise every run after the first would show cached ones.
    mm = (*_marketmon(), "--no-cache")
    floor = (sys.executable, "-m", "tests.bench.floor_app")
    return [
        AppConfig(
            "demo-160x48",
            "demo 160×48",
            (*mm, "--demo"),
            160,
            48,
            MARKETMON_PRICES,
            floor="floor-160x48",
            target_bytes=1_500,
            target_cpu=2.0,
        ),
        AppConfig(
            "lowbw-160x48",
            "demo --low-bandwidth 160×48",
            (*mm, "--demo", "--low-bandwidth"),
            160,
            48,
            MARKETMON_PRICES,
            floor="floor-160x48",
            target_bytes=250,
        ),
        AppConfig(
            "demo-80x24",
            "demo 80×24",
            (*mm, "--demo"),
            80,
            24,
            MARKETMON_PRICES,
            floor="floor-80x24",
            target_bytes=1_500,
            target_cpu=2.0,
        ),
        AppConfig("floor-160x48", "floor 160×48", floor, 160, 48, FLOOR_PRICES),
        AppConfig("floor-80x24", "floor 80×24", floor, 80, 24, FLOOR_PRICES),
    ]


# --- /proc ------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 / MB if match else None


def cpu_seconds(pid: int) -> float | None:
    """utime + stime + cutime + cstime of ``pid``, in seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


PYCACHE = Path(tempfile.gettempdir()) / "marketmon-bench-pycache"


def bench_env() -> dict[str, str]:
    drop = {"COLUMNS", "LINES", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TMUX", "TMUX_PANE"}
    drop.add("PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TEXTUAL")}
    env.update(TERM="xterm-256color", TZ="UTC", XDG_CONFIG_HOME=_empty_config_home())
    # Bytecode is cached, as for an installed app (pip compiles on install), but outside the
    # repository: the warm-up launch fills this cache and the measured launches read it.
    env.update(PYTHONPYCACHEPREFIX=str(PYCACHE))
    return env


_CONFIG_HOME: list[str] = []


def _empty_config_home() -> str:
    if not _CONFIG_HOME:
        folder = tempfile.mkdtemp(prefix="marketmon-bench-config-")
        atexit.register(shutil.rmtree, folder, True)
        _CONFIG_HOME.append(folder)
    return _CONFIG_HOME[0]


# --- the two terminals ------------------------------------------------------------------------


class Session(Protocol):
    """One launched app: its pid, its stream so far, and how to stop it."""

    t0: float
    pid: int
    chunks: list[tuple[float, bytes]]

    def send(self, data: bytes) -> None: ...

    def exited(self) -> bool: ...

    def kill(self, sig: signal.Signals) -> None: ...

    def close(self) -> None: ...


_LIVE: set[Session] = set()


@atexit.register
def _kill_leftovers() -> None:
    for session in list(_LIVE):
        with contextlib.suppress(Exception):
            session.kill(signal.SIGKILL)
        with contextlib.suppress(Exception):
            session.close()


def _become_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtySession:
    def __init__(self, app: AppConfig) -> None:
        self.chunks: list[tuple[float, bytes]] = []
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", app.rows, app.cols, 0, 0))
        self._stop = threading.Event()
        try:
            self.t0 = time.monotonic()
            self.proc = subprocess.Popen(
                app.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env={**bench_env(), **dict(app.env)},
                cwd=ROOT,
                start_new_session=True,
                preexec_fn=_become_controlling_terminal,  # before the reader thread starts
                close_fds=True,
            )
        except BaseException:
            os.close(self.master)
            raise
        finally:
            os.close(slave)
        self.pid = self.proc.pid
        _LIVE.add(self)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every slave fd is closed, the app is gone
                return
            if not data:
                return
            self.chunks.append((time.monotonic() - self.t0, data))

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def exited(self) -> bool:
        return self.proc.poll() is not None

    def kill(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._reader.join(timeout=2)  # drains what is left, ends on EIO
        self._stop.set()
        self._reader.join(timeout=2)
        os.close(self.master)
        _LIVE.discard(self)


class TmuxSession:
    """The app in the only pane of a fresh tmux server, captured with ``pipe-pane``."""

    def __init__(self, app: AppConfig) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed")
        self.chunks: list[tuple[float, bytes]] = []
        self.socket = f"mm-bench-{uuid.uuid4().hex[:8]}"
        self.dir = Path(tempfile.mkdtemp(prefix="marketmon-bench-tmux-"))
        self.conf = self.dir / "tmux.conf"
        self.conf.write_text("set -g status off\nset -g remain-on-exit off\n")
        self.capture = self.dir / "pane.bin"
        self._stop = threading.Event()
        self.pid = -1
        self.t0 = time.monotonic()
        _LIVE.add(self)
        # The pane waits for Enter, then becomes the app (exec: pane_pid is the app's pid).
        script = 'export TERM=xterm-256color; unset COLUMNS LINES; read _ && exec "$0" "$@"'
        self.tmux(
            "new-session",
            "-d",
            "-s",
            "bench",
            "-x",
            str(app.cols),
            "-y",
            str(app.rows),
            "sh",
            "-c",
            script,
            *app.argv,
        )
        size = self.tmux("display-message", "-p", "-t", "bench", "#{pane_width}x#{pane_height}")
        if size.strip() != f"{app.cols}x{app.rows}":
            raise RuntimeError(f"tmux pane is {size.strip()}, not {app.cols}x{app.rows}")
        self.pid = int(self.tmux("display-message", "-p", "-t", "bench", "#{pane_pid}"))
        self.tmux("pipe-pane", "-o", "-t", "bench", f"cat >> {self.capture}")
        deadline = time.monotonic() + 5
        while not self.capture.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("pipe-pane never started")
            time.sleep(0.01)
        self._file = self.capture.open("rb")
        self.t0 = time.monotonic()
        self.tmux("send-keys", "-t", "bench", "Enter")
        self._reader = threading.Thread(target=self._read, name="tmux-reader", daemon=True)
        self._reader.start()

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
            env=bench_env(),
        ).stdout

    def _read(self) -> None:
        while True:
            data = self._file.read(65536)
            if data:
                self.chunks.append((time.monotonic() - self.t0, data))
            elif self._stop.is_set():
                return
            else:
                time.sleep(0.002)

    def send(self, data: bytes) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.tmux("send-keys", "-t", "bench", "-l", data.decode())

    def exited(self) -> bool:
        return not alive(self.pid)

    def kill(self, sig: signal.Signals) -> None:
        if self.pid > 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, sig)

    def close(self) -> None:
        if self.pid > 0 and alive(self.pid):
            self.kill(signal.SIGKILL)
        time.sleep(0.2)  # let cat write the last bytes
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False, timeout=10
        )
        self._stop.set()
        if hasattr(self, "_reader"):
            self._reader.join(timeout=5)
        if hasattr(self, "_file"):
            self._file.close()
        tmux_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (tmux_dir / self.socket).unlink(missing_ok=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        _LIVE.discard(self)


def launch(app: AppConfig, terminal: str) -> Session:
    if terminal == "tmux":
        return TmuxSession(app)
    if terminal == "pty":
        return PtySession(app)
    raise ValueError(f"unknown terminal {terminal!r} (pty or tmux)")


def stop(session: Session) -> str:
    """q, then SIGTERM, then SIGKILL; returns how the app ended."""
    if session.exited():
        return "had exited"
    session.send(b"q")
    for how, sig, bound in (
        ("q", signal.SIGTERM, QUIT_BOUND),
        ("SIGTERM", signal.SIGKILL, TERM_BOUND),
    ):
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            if session.exited():
                return how
            time.sleep(0.05)
        session.kill(sig)
    return "SIGKILL"


# --- one run ----------------------------------------------------------------------------------


@dataclass
class Run:
    app: AppConfig
    seconds: float
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    first_prices: float | None = None
    rss_early: float | None = None
    rss_late: float | None = None
    cpu_pct: float | None = None
    bytes_per_s: float | None = None
    ended: str = ""
    problem: str = ""

    @property
    def raw(self) -> bytes:
        return b"".join(data for _, data in self.chunks)


def _sleep_until(t: float) -> None:
    while (left := t - time.monotonic()) > 0:
        time.sleep(min(left, 0.5))


def measure(app: AppConfig, seconds: float, terminal: str) -> Run:
    early = min(EARLY, seconds / 2)
    rss_at = min(RSS_LATE, seconds)
    run = Run(app, seconds)
    session = launch(app, terminal)
    t0 = session.t0
    try:
        _sleep_until(t0 + early)
        wall_early, cpu_early = time.monotonic(), cpu_seconds(session.pid)
        run.rss_early = rss_mb(session.pid)
        if rss_at < seconds:
            _sleep_until(t0 + rss_at)
            run.rss_late = rss_mb(session.pid)
        _sleep_until(t0 + seconds)
        wall_late, cpu_late = time.monotonic(), cpu_seconds(session.pid)
        if rss_at >= seconds:
            run.rss_late = rss_mb(session.pid)
        if session.exited():
            run.problem = "the app exited before the end of the run"
        elif cpu_early is not None and cpu_late is not None:
            run.cpu_pct = 100.0 * (cpu_late - cpu_early) / (wall_late - wall_early)
        run.ended = stop(session)
    finally:
        session.close()
    run.chunks = list(session.chunks)
    if not run.problem:
        window = sum(len(d) for t, d in run.chunks if early <= t < seconds)
        run.bytes_per_s = window / (seconds - early)
    run.first_prices = first_prices(run.chunks, app)
    if run.first_prices is None:
        run.problem = run.problem or "prices never appeared on screen"
    return run


def _screen(app: AppConfig) -> tuple[pyte.Screen, pyte.ByteStream]:
    screen = pyte.Screen(app.cols, app.rows)
    return screen, pyte.ByteStream(screen)


def first_prices(chunks: list[tuple[float, bytes]], app: AppConfig) -> float | None:
    """Replay the stream read by read; the time of the read that put a price row on screen."""
    screen, stream = _screen(app)
    for t, data in chunks:
        if t > FIRST_PRICES_LIMIT:
            break
        stream.feed(data)
        if any(app.prices.search(line) for line in screen.display):
            return t
    return None


# --- where the bytes go -----------------------------------------------------------------------

_TOKEN = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    rb"|\x1b[ -/]*[0-~]?"  # other ESC
    rb"|[\x00-\x1f\x7f]"  # C0 controls
    rb"|[^\x00-\x1f\x7f]+"  # text
)
_CUP = re.compile(rb"\x1b\[(\d*)(?:;(\d*))?H")


@dataclass
class Region:
    name: str
    rows: tuple[int, int]  # inclusive
    cols: tuple[int, int]  # inclusive

    def describe(self) -> str:
        r0, r1 = self.rows
        rows = f"row {r0}" if r0 == r1 else f"rows {r0}–{r1}"
        return f"{self.name} ({rows}, cols {self.cols[0]}–{self.cols[1]})"


def regions(app: AppConfig, display: list[str]) -> list[Region]:
    """Named screen regions, found on the final screen (later regions win where they overlap)."""
    last, right = app.rows - 1, app.cols - 1
    if app.is_floor:
        return [
            Region("table", (1, last - 1), (0, right)),
            Region("header", (0, 0), (0, right)),
            Region("footer", (last, last), (0, right)),
        ]
    found = [Region("panes (outside the boxes)", (1, last - 3), (0, right))]
    for row, line in enumerate(display[: last - 2]):
        if len(line) > 1 and line[1] == "1" and "Indices" in line:
            found.append(Region("pane tabs", (row, row), (0, right)))
        for match in re.finditer(r"╭─ ([^─]+?) ─", line):
            col = match.start()
            end = line.find("╮", col)
            bottom = next(
                (r for r in range(row + 1, last) if display[r][col : col + 1] == "╰"), last - 3
            )
            found.append(Region(f"pane {match.group(1)}", (row, bottom), (col, end)))
    found += [
        Region("header", (0, 0), (0, right)),
        Region("tape", (last - 2, last - 2), (0, right)),
        Region("status line", (last - 1, last - 1), (0, right)),
        Region("footer", (last, last), (0, right)),
    ]
    return found


def _grid(app: AppConfig, found: list[Region]) -> list[list[int]]:
    grid = [[0] * app.cols for _ in range(app.rows)]
    for index, region in enumerate(found):
        for row in range(region.rows[0], min(region.rows[1], app.rows - 1) + 1):
            for col in range(region.cols[0], min(region.cols[1], app.cols - 1) + 1):
                grid[row][col] = index
    return grid


@dataclass
class Tally:
    bytes: int = 0
    frames: set[int] = field(default_factory=set)


def _frames(chunks: list[tuple[float, bytes]]) -> tuple[list[int], list[int]]:
    """Byte offset where each read starts, and the frame (burst of reads) each read is in."""
    offsets: list[int] = []
    frame_of: list[int] = []
    offset, frame, previous = 0, -1, -1.0
    for t, data in chunks:
        if t - previous > FRAME_GAP:
            frame += 1
        previous = t
        offsets.append(offset)
        frame_of.append(frame)
        offset += len(data)
    return offsets, frame_of


def _tokens(raw: bytes) -> Iterator[re.Match[bytes]]:
    return _TOKEN.finditer(raw)


def breakdown(run: Run, early: float) -> str:
    """Where the bytes of the window [early, seconds) went, as text for stderr."""
    app, seconds = run.app, run.seconds
    span = seconds - early
    raw = run.raw
    offsets, frame_of = _frames(run.chunks)
    times = [t for t, _ in run.chunks]
    screen, stream = _screen(app)
    stream.feed(b"".join(d for t, d in run.chunks if t < seconds))
    display = list(screen.display)
    found = regions(app, display)
    grid = _grid(app, found)

    kinds: Counter[str] = Counter()
    by_region: dict[int, Tally] = defaultdict(Tally)
    by_row: dict[int, Tally] = defaultdict(Tally)
    sites: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])  # bytes, writes
    frames_in_window: set[int] = set()
    row = col = 0
    site = (0, 0)
    tokens = [(m.group(), bisect.bisect_right(offsets, m.start()) - 1) for m in _tokens(raw)]
    parked = len(found)  # a pseudo-region: the cursor moved and nothing written after it
    for index, (token, read) in enumerate(tokens):
        in_window = early <= times[read] < seconds
        frame = frame_of[read]
        cup = _CUP.fullmatch(token)
        if cup:
            row, col = int(cup.group(1) or 1) - 1, int(cup.group(2) or 1) - 1
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            bare = after is None or frame_of[after[1]] != frame or _CUP.fullmatch(after[0])
            if bare:
                if in_window:
                    frames_in_window.add(frame)
                    kinds["cursor parked (CUP, nothing after)"] += len(token)
                    by_region[parked].bytes += len(token)
                    by_region[parked].frames.add(frame)
                continue
            site = (row, col)
            if in_window:
                sites[site][1] += 1
        if token[:1] == b"\x1b":
            kind = "cursor position (CUP)" if cup else "SGR" if token.endswith(b"m") else "other"
            if token.startswith(b"\x1b[?2026"):
                kind = "sync output"
            spread = [(row, col, len(token))]
        elif token in (b"\r", b"\n"):
            kind = "control"
            spread = [(row, col, 1)]
            row, col = (row, 0) if token == b"\r" else (row + 1, col)
        elif len(token) == 1 and token[0] < 0x20:
            kind, spread = "control", [(row, col, 1)]
        else:
            kind, spread = "text", []
            for char in token.decode("utf-8", "replace"):
                spread.append((row, col, len(char.encode("utf-8", "replace"))))
                col += max(wcwidth(char), 1)
        if not in_window:
            continue
        frames_in_window.add(frame)
        for r, c, n in spread:
            kinds[kind] += n
            rr, cc = min(max(r, 0), app.rows - 1), min(max(c, 0), app.cols - 1)
            tally = by_region[grid[rr][cc]]
            tally.bytes += n
            tally.frames.add(frame)
            row_tally = by_row[rr]
            row_tally.bytes += n
            row_tally.frames.add(frame)
            sites[site][0] += n

    total = sum(kinds.values())
    frames = len(frames_in_window)
    size_of: Counter[int] = Counter()
    for (_, data), f in zip(run.chunks, frame_of, strict=True):
        size_of[f] += len(data)
    frame_sizes = sorted(size_of[f] for f in frames_in_window)
    lines = [
        f"footprint · {app.label} · last run · {early:g}–{seconds:g} s: {total / span:,.0f} B/s "
        f"({total:,} B), {frames / span:.2f} frames/s, "
        f"{statistics.median(frame_sizes) if frame_sizes else 0:,.0f} B/frame median, "
        f"{frame_sizes[-1] if frame_sizes else 0:,} max",
        f"  raw stream: /tmp/marketmon-bench-{app.key}.bin (+ .times.tsv)",
        "  by kind of bytes                         B/s   share",
    ]
    for kind, n in kinds.most_common():
        lines.append(f"    {kind:<36} {n / span:>7,.0f}  {100 * n / max(total, 1):5.1f}%")
    lines.append(f"  by region{'':<47} B/s   share  frames/s  B/frame")
    for index, tally in sorted(by_region.items(), key=lambda kv: -kv[1].bytes):
        name = found[index].describe() if index < parked else "cursor parked after a frame"
        per_frame = tally.bytes / max(len(tally.frames), 1)
        lines.append(
            f"    {name:<52} {tally.bytes / span:>7,.0f}  {100 * tally.bytes / max(total, 1):5.1f}%"
            f"  {len(tally.frames) / span:8.2f}  {per_frame:7,.0f}"
        )
    touched: dict[int, set[int]] = defaultdict(set)
    for region_index, tally in by_region.items():
        if region_index != parked:
            for f in tally.frames:
                touched[f].add(region_index)
    classes: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for f in frames_in_window:
        classes[tuple(sorted(touched[f]))].append(size_of[f])
    lines.append("  frames by what they repaint")
    lines.append("    frames/s  B/frame median     B/s  regions repainted")
    for key, sizes in sorted(classes.items(), key=lambda kv: -sum(kv[1])):
        what = " + ".join(found[i].name.removeprefix("pane ") for i in key) or "(cursor only)"
        lines.append(
            f"    {len(sizes) / span:8.2f}  {statistics.median(sizes):14,.0f}"
            f"  {sum(sizes) / span:6,.0f}  {what}"
        )
    lines.append("  busiest rows (text on the final screen)      B/s  frames/s")
    for r, tally in sorted(by_row.items(), key=lambda kv: -kv[1].bytes)[:8]:
        text = display[r].strip()[:60] if r < len(display) else ""
        rate, frames_rate = tally.bytes / span, len(tally.frames) / span
        lines.append(f"    row {r:>2}  {rate:>7,.0f}  {frames_rate:6.2f}  {text!r}")
    lines.append("  busiest write sites (row,col of a CUP)    B/s  writes/s  B/write  text there")
    for (r, c), (n, writes) in sorted(sites.items(), key=lambda kv: -kv[1][0])[:10]:
        text = display[r][c : c + 40].rstrip() if 0 <= r < len(display) else ""
        rate, per_write = n / span, n / max(writes, 1)
        lines.append(
            f"    {r:>2},{c:<3}  {rate:>7,.0f}  {writes / span:8.2f}  {per_write:7,.0f}  {text!r}"
        )
    lines.append(
        f"  synchronised output: not negotiated here; a terminal that answers DECRQM 2026 adds "
        f"{SYNC_BYTES} B/frame = +{SYNC_BYTES * frames / span:,.0f} B/s"
    )
    return "\n".join(lines)


def save_stream(run: Run) -> Path:
    path = Path(f"/tmp/marketmon-bench-{run.app.key}.bin")
    path.write_bytes(run.raw)
    offset, rows = 0, ["offset\tseconds\tbytes"]
    for t, data in run.chunks:
        rows.append(f"{offset}\t{t:.6f}\t{len(data)}")
        offset += len(data)
    path.with_suffix(".times.tsv").write_text("\n".join(rows) + "\n")
    return path


# --- the suite --------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def warm_up(apps: list[AppConfig], terminal: str) -> None:
    """Launch each distinct program once, unmeasured: fills the bytecode cache (the session may
    have ``PYTHONDONTWRITEBYTECODE`` set, and an editable install has no ``.pyc`` files) and
    the page cache, so that no measured run pays for compiling."""
    seen: set[tuple[str, ...]] = set()
    for app in apps:
        if app.argv in seen:
            continue
        seen.add(app.argv)
        session = launch(app, terminal)
        try:
            _sleep_until(session.t0 + 3.0)
            stop(session)
        finally:
            session.close()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every ``finally``: the apps are stopped


@contextlib.contextmanager
def _stop_apps_on_termination() -> Iterator[None]:
    """SIGTERM / SIGHUP to the suite still stop the apps it launched."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(runs: int, seconds: float, terminal: str | None = None) -> list[Figure]:
    with _stop_apps_on_termination():
        return _run(runs, seconds, terminal)


def _run(runs: int, seconds: float, terminal: str | None) -> list[Figure]:
    terminal = terminal or os.environ.get(TERMINAL_ENV, "pty")
    runs = max(runs, 3)
    apps = configs()
    _log(
        f"footprint: {len(apps)} configurations × {runs} runs × {seconds:g} s, terminal: {terminal}"
    )
    results: dict[str, list[Run]] = {app.key: [] for app in apps}
    for index in range(runs):
        for app in apps:
            warm_up([app], terminal)  # this VM reclaims idle page cache within a minute
            result = measure(app, seconds, terminal)
            results[app.key].append(result)
            _log(
                f"  run {index + 1}/{runs} {app.label:<28} first prices "
                f"{_fmt(result.first_prices, '.3f')} s, RSS {_fmt(result.rss_early, '.1f')} → "
                f"{_fmt(result.rss_late, '.1f')} MB, CPU {_fmt(result.cpu_pct, '.2f')} %, "
                f"{_fmt(result.bytes_per_s, ',.0f')} B/s, ended by {result.ended}"
                + (f"  [{result.problem}]" if result.problem else "")
            )
    early = min(EARLY, seconds / 2)
    for app in apps:
        last = results[app.key][-1]
        save_stream(last)
        _log(breakdown(last, early))
    return [*build_figures(apps, results, seconds, terminal), *cold_starts(apps, runs, terminal)]


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def cold_starts(apps: list[AppConfig], runs: int, terminal: str) -> list[Figure]:
    """First prices with an empty page cache, as after a reboot (informational).

    Needs root (``/proc/sys/vm/drop_caches``); skipped otherwise. Every file is read from the
    disk again, polars' 177 MB library included, which the floor does not load.
    """
    if not os.access(DROP_CACHES, os.W_OK):
        _log("cold starts skipped: /proc/sys/vm/drop_caches is not writable")
        return []
    figures: list[Figure] = []
    for app in apps:
        if app.key not in ("demo-160x48", "floor-160x48"):
            continue
        values: list[float] = []
        for _ in range(runs):
            os.sync()
            DROP_CACHES.write_text("3\n")
            run = measure(app, 3.0, terminal)
            if run.first_prices is not None:
                values.append(run.first_prices)
        figures.append(
            Figure(
                "floor" if app.is_floor else "footprint",
                f"first prices, cold page cache ({app.label})",
                "s",
                values,
                note="informational: page cache dropped before each launch",
            )
        )
    return figures


def _values(runs: list[Run], get: Callable[[Run], float | None]) -> list[float]:
    return [v for v in map(get, runs) if v is not None]


def build_figures(
    apps: list[AppConfig], results: dict[str, list[Run]], seconds: float, terminal: str
) -> list[Figure]:
    early = min(EARLY, seconds / 2)
    rss_at = min(RSS_LATE, seconds)
    window = f"{early:g}–{seconds:g} s"
    metrics: list[tuple[str, str, Callable[[Run], float | None]]] = [
        ("first prices", "s", lambda r: r.first_prices),
        (f"RSS at {early:g} s", "MB", lambda r: r.rss_early),
        (f"RSS at {rss_at:g} s", "MB", lambda r: r.rss_late),
        (f"CPU % {window}", "%", lambda r: r.cpu_pct),
        (f"bytes/s {window}", "B/s", lambda r: r.bytes_per_s),
    ]
    floors: dict[tuple[str, str], float] = {}
    for app in apps:
        if app.is_floor:
            for name, _unit, get in metrics:
                values = _values(results[app.key], get)
                if values:
                    floors[(app.key, name)] = statistics.median(values)

    figures: list[Figure] = []
    for app in sorted(apps, key=lambda a: a.is_floor):
        runs = results[app.key]
        problems = "; ".join(f"run {i + 1}: {r.problem}" for i, r in enumerate(runs) if r.problem)
        note = f"terminal: {terminal}" + (f"; {problems}" if problems else "")
        for name, unit, get in metrics:
            figure = Figure(
                group="floor" if app.is_floor else "footprint",
                name=f"{name} ({app.label})",
                unit=unit,
                values=_values(runs, get),
                note=note,
            )
            if not app.is_floor and app.floor is not None:
                figure.floor = floors.get((app.floor, name))
                _set_target(figure, name, app, rss_at)
            figures.append(figure)
    return figures


def _set_target(figure: Figure, name: str, app: AppConfig, rss_at: float) -> None:
    if name == "first prices":
        limit = 0.6 if figure.floor is None else min(0.6, 1.5 * figure.floor)
        figure.target, figure.target_text = limit, "≤1.5× floor & <0.6 s"
    elif name == f"RSS at {rss_at:g} s":
        figure.target, figure.target_text = 90.0, "≤ 90 MB"
    elif name.startswith("CPU %") and app.target_cpu is not None:
        figure.target, figure.target_text = app.target_cpu, f"≤ {app.target_cpu:g} %"
    elif name.startswith("bytes/s") and app.target_bytes is not None:
        figure.target, figure.target_text = app.target_bytes, f"≤ {app.target_bytes:,.0f}"
