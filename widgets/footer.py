"""The key footer, without the leak of Textual's own on a screen that lives for ever.

Textual's ``Footer`` rebuilds its keys whenever the bindings change (every time a pushed
screen closes and the main screen is shown again). Each key is data-bound to the footer's
``compact`` reactive, and Textual drops a binding's watcher only when that reactive changes,
which it never does: every key ever built stayed reachable from the footer with its styles
and render caches (about 18 keys, some 200 KB, per screen opened). This footer drops the
watchers of the keys a rebuild removed.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    async def recompose(self) -> None:
        await super().recompose()
        self.prune_watchers()

    def prune_watchers(self) -> None:
        """Forget watchers registered by widgets that have since been removed."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback)
                for node, callback in entries
                if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
            ]
