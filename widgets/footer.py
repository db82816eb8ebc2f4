"""The key footer: rebuilt only when the keys it shows change, and without Textual's leak.

Textual's ``Footer`` rebuilds every key widget whenever the screen's bindings are *announced*
as changed: each focus change, each screen resumed, each ``refresh_bindings``. At start-up
that is five rebuilds of some 15 keys before the first frame (measured with cProfile: about a
tenth of the work before the cached board is painted), though the keys shown never change
when focus moves from one quote table to another. This footer queues at most one rebuild at
a time, and skips it when the keys it would show are the ones it shows.

Textual's footer also leaks: each key is data-bound to the footer's ``compact`` reactive, and
Textual drops a binding's watcher only when that reactive changes, which it never does, so
every key ever built stayed reachable (about 18 keys, some 200 KB, per screen opened). This
footer drops the watchers of the keys a rebuild removed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.screen import Screen

KeysShown = tuple[tuple[Binding, bool, str, str], ...]


class Footer(TextualFooter):
    _rebuild_queued = False
    _keys_shown: KeysShown | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_queued:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_queued = False
        if self.is_attached and self._keys() != self._keys_shown:
            await self.recompose()

    async def recompose(self) -> None:
        self._keys_shown = self._keys() if self._bindings_ready and self.is_attached else None
        await super().recompose()
        self.prune_watchers()

    def _keys(self) -> KeysShown:
        """Everything Textual's ``compose`` reads: every active binding (shown or not: the
        command palette's key is drawn from the hidden ones), whether it is enabled, its
        tooltip, and how the app displays its key."""
        return tuple(
            (binding, enabled, tooltip, self.app.get_key_display(binding))
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
        )

    def prune_watchers(self) -> None:
        """Forget watchers registered by widgets that have since been removed."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback)
                for node, callback in entries
                if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
            ]
