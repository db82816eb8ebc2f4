"""The ``marketmon`` command: the live TUI by default, ``snapshot`` for one-shot output."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tui import __version__
from tui.config import Config, ConfigError, load_config, with_share
from tui.pane_filter import known_panes, parse_panes

if TYPE_CHECKING:
    from tui.data.snapshot import MarketSnapshot

SCENARIOS = ("selloff", "calm")


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        default=default,
        help="TOML config file (default: the platform config directory)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use the offline simulated market instead of live data",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=argparse.SUPPRESS if suppress else 7,
        help="seed of the simulated market (default 7)",
    )
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default=argparse.SUPPRESS if suppress else "selloff",
        help="simulated market scenario (default selloff)",
    )
    parser.add_argument(
        "--share",
        metavar="URL",
        default=default,
        help="share one fetcher through Redis (redis:// or rediss://; overrides [share] redis)",
    )


def _pane_list(text: str) -> tuple[str, ...]:
    try:
        return parse_panes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketmon",
        description="A global market monitor for the terminal: indices, metals, crypto and "
        "headlines, live.",
    )
    parser.add_argument("--version", action="version", version=f"marketmon {__version__}")
    _common(parser, suppress=False)
    parser.add_argument(
        "--low-bandwidth",
        action="store_true",
        help="no highlights, a stepping tape and the fewest redraws (for SSH)",
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="record every applied snapshot to Parquet under DIR (also: [record] dir)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither show nor save the last-known prices",
    )
    parser.add_argument(
        "--pane",
        type=_pane_list,
        metavar="NAME[,NAME…]",
        help=f"show only these panes, full size ({', '.join(known_panes())})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    snap = sub.add_parser(
        "snapshot",
        help="fetch everything once, print it and exit",
        description="Fetch everything once, compute the moves, print them "
        "and exit (status 0 when at least one quote was obtained, else 1).",
    )
    snap.add_argument("--format", choices=("table", "json", "csv"), default="table")
    snap.add_argument(
        "--replay", type=Path, metavar="PATH", help="print a recording's state instead of fetching"
    )
    snap.add_argument(
        "--at", metavar="ISO-TIME", help="with --replay: the instant (default: the last recorded)"
    )
    snap.add_argument(
        "--headlines",
        action="store_true",
        help="with --format csv: the headlines (published, source, title, url, related) "
        "instead of the quotes",
    )
    _common(snap, suppress=True)
    serve = sub.add_parser(
        "serve",
        help="headless fetcher for a shared desk (needs [share] redis or --share)",
        description="Fetch and publish snapshots through Redis, without a UI, until SIGTERM "
        "(which releases the lease).",
    )
    _common(serve, suppress=True)
    replay = sub.add_parser(
        "replay",
        help="replay a recording (file or folder) in the TUI",
        description="Open the board on a recording made with --record, on a replay clock "
        "(no network). Keys: p/space pause, . step, [ ] -/+1 min, x speed.",
    )
    replay.add_argument("path", type=Path, metavar="PATH")
    replay.add_argument("--speed", type=int, choices=(1, 10, 60), default=1)
    replay.add_argument("--at", metavar="ISO-TIME", help="start here (default: the beginning)")
    _common(replay, suppress=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up creates a few hundred thousand long-lived objects (modules, Textual, the
    # screen) and almost no garbage: the collector would only re-scan them, tens of ms before
    # the cached prices. The app turns it back on once prices are on screen
    # (app_startup.end_startup_pause); after the command, it is on whatever happened.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        if args.share is not None:
            config = with_share(config, args.share)
    except ConfigError as exc:
        print(f"marketmon: bad config: {exc}", file=sys.stderr)
        return 2
    if args.command in ("snapshot", "serve"):
        gc.enable()  # no UI to start: the collector as usual (serve runs for days)
    if args.command == "snapshot":
        return run_snapshot(config, args)
    if args.command == "serve":
        from tui.serve import run_serve

        return run_serve(config, demo=args.demo, seed=args.seed, scenario=args.scenario)
    if args.command == "replay":
        return run_replay(config, args)
    record_dir = args.record or config.record_dir
    if record_dir is not None:
        from tui.data.recorder import Recorder, RecordError

        try:
            Recorder(record_dir).check_writable()
        except RecordError as exc:
            print(f"marketmon: {exc}", file=sys.stderr)
            return 2
    cache_path = None
    if not args.no_cache:
        from tui.data.snapshot_cache import default_cache_path

        cache_path = default_cache_path(args.demo)
    from tui.app import run_app  # Textual loads only when the UI is wanted

    return run_app(
        config,
        demo=args.demo,
        seed=args.seed,
        scenario=args.scenario,
        low_bandwidth=args.low_bandwidth,
        cache_path=cache_path,
        record_dir=record_dir,
        panes=args.pane,
    )


def run_replay(config: Config, args: argparse.Namespace) -> int:
    from tui.data.replay import ReplayError, ReplaySession, open_recording, parse_time

    try:
        recording = open_recording(args.path)
        at = parse_time(args.at) if args.at else None
    except ReplayError as exc:
        print(f"marketmon: {exc}", file=sys.stderr)
        return 2
    from tui.app import run_app

    return run_app(config, replay=ReplaySession(recording, speed=args.speed, at=at))


def replayed_snapshot(args: argparse.Namespace) -> MarketSnapshot:
    """``snapshot --replay PATH [--at T]``: the recorded board at T (default: the last)."""
    from tui.data.replay import open_recording, parse_time, snapshot_at

    recording = open_recording(args.replay)
    at = parse_time(args.at) if args.at else recording.end
    return snapshot_at(recording, at)


def run_snapshot(config: Config, args: argparse.Namespace) -> int:
    from tui.data.replay import ReplayError

    async def fetch() -> MarketSnapshot:
        from tui.data.clock import SystemClock
        from tui.data.factory import build_engine
        from tui.data.history import default_cache_dir
        from tui.data.http import make_client

        async with make_client(read_timeout=config.general.timeout) as client:
            engine = build_engine(
                config,
                clock=SystemClock(),
                client=client,
                demo=args.demo,
                seed=args.seed,
                scenario=args.scenario,
                history=True,
                history_cache=default_cache_dir(),
            )
            return await engine.refresh_once()

    if args.replay is not None:
        try:
            snap = replayed_snapshot(args)
        except ReplayError as exc:
            print(f"marketmon: {exc}", file=sys.stderr)
            return 2
    elif args.at:
        print("marketmon: --at needs --replay PATH", file=sys.stderr)
        return 2
    else:
        snap = asyncio.run(fetch())
    # The rules are evaluated once, from a clean state and without side effects: the command
    # lists what fires now; the log, the bell and the alert command belong to the live app.
    from tui.data.alerts import evaluate

    fired, _ = evaluate(snap, config.alerts.rules, {})  # none on a replayed board (origin)
    if args.format == "json":
        from tui.data.export import to_json

        sys.stdout.write(to_json(snap, [e.record() for e in fired]) + "\n")
    elif args.format == "csv":
        from tui.data.export import headlines_csv, to_csv

        sys.stdout.write(headlines_csv(snap) if args.headlines else to_csv(snap))
    else:
        from rich.console import Console

        from tui.render.snapshot_table import print_snapshot

        console = Console()  # Rich takes the width from COLUMNS when it is set
        piped = not console.is_terminal
        if piped and not os.environ.get("COLUMNS", "").isdigit():
            console = Console(width=160)  # piped: do not squeeze columns into 80 characters
        print_snapshot(snap, console, all_headlines=piped)
        if fired:
            from rich.text import Text

            for event in fired:
                console.print(Text(f"ALERT {event.symbol} {event.rule}: {event.message}"))
    return 0 if snap.quote_count else 1
