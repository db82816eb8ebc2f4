"""Make untrusted text from the network safe to show in a terminal.

Headlines, instrument names and error bodies come from servers we do not control. A stray ESC,
C1 control or bidi override could move the cursor, set the window title, write the clipboard
(OSC 52) or reorder what the user reads, so they are removed at parse time, before any UI
sees the text. Markup is *not* escaped here: the UI renders these strings as plain ``Text``.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls (except none: tabs/newlines are folded to spaces below), DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates and marks that can reorder text (Trojan Source).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Other invisible format characters that hide text: zero-width space/joiners, BOM.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
# A whole escape sequence (CSI, OSC, DCS, SOS/PM/APC, 2-char), so its parameters go too.
_ESCAPE_SEQ = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"  # OSC, DCS, SOS, PM, APC up to ST/BEL
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)"  # 8-bit DCS/SOS/OSC/PM/APC
    r"|\x1b[ -/]*[0-~]?",  # any other ESC sequence
    re.DOTALL,
)
_SPACE = re.compile(r"\s+")

DEFAULT_MAX_LEN = 500


def sanitize_text(value: object, max_len: int = DEFAULT_MAX_LEN) -> str:
    """Return ``value`` as one clean line of printable text, at most ``max_len`` characters."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = unicodedata.normalize("NFC", text)
    text = _ESCAPE_SEQ.sub("", text)
    text = _SPACE.sub(" ", text)  # tabs, newlines and odd spaces become one space
    text = _CONTROL.sub("", text)
    text = _BIDI.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACE.sub(" ", text)  # again: a removed character may have sat between two spaces
    text = text.strip()
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + "…"
    return text


def sanitize_optional(value: object, max_len: int = DEFAULT_MAX_LEN) -> str | None:
    """Like :func:`sanitize_text`, but an absent or empty value stays ``None``."""
    text = sanitize_text(value, max_len)
    return text or None
