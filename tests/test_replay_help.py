"""The help screen (?) lists the replay keys in ``marketmon replay``, and only there."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from tests.test_record_replay import make_recording
from tui.app import create_app
from tui.config import default_config
from tui.data.replay import ReplaySession, open_recording
from tui.screens.help import HelpScreen

REPLAY_KEYS = {
    "p / Space": "pause / play the recorded clock",
    ".": "step: pause and go to the next recorded change",
    "[ / ]": "jump back / forward one minute",
    "x": "speed: ×1 → ×10 → ×60 (then ×1 again)",
}


def _shown_keys(screen: HelpScreen) -> dict[str, str]:
    """key -> description, as the labels on screen read, in every keys grid."""
    out: dict[str, str] = {}
    for grid_id in ("#help-keys", "#help-replay-keys"):
        grids = screen.query(grid_id)
        if not grids:
            continue
        labels = [str(label.render()) for label in grids.first().query(Label)]
        out.update(zip(labels[::2], labels[1::2], strict=True))
    return out


async def test_help_in_replay_lists_pause_step_jump_and_speeds(tmp_path: Path) -> None:
    await make_recording(tmp_path, minutes=3)
    session = ReplaySession(open_recording(tmp_path), speed=1)
    app = create_app(default_config(), replay=session, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = _shown_keys(app.screen)
        for key, description in REPLAY_KEYS.items():
            assert shown.get(key) == description
        # The live board's p (pause live updates) and r (refresh) do not apply to a recording.
        assert "p" not in shown and "r" not in shown
        assert shown["?"] == "this help"
        headings = [str(w.render()) for w in app.screen.query(".help-heading")]
        assert headings == ["Keys", "Replay", "Stale markers"]
        # The keys the help names do what it says.
        await pilot.press("escape")
        await pilot.press("x")
        assert session.clock.speed == 10
        await pilot.press("p")
        assert session.clock.paused


async def test_help_on_the_live_board_has_no_replay_keys() -> None:
    app = create_app(default_config(), demo=True, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert not app.screen.query("#help-replay-keys")
        shown = _shown_keys(app.screen)
        assert shown["p"] == "pause / resume live updates"
        assert not set(REPLAY_KEYS) & set(shown)
