"""Merge headlines from several feeds and tag them with the symbols they mention.

Wire stories are syndicated: the same headline arrives from several feeds with different URLs
(or the same URL under slightly different titles), so duplicates are folded before the pane
shows them, newest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from tui.data.snapshot import Headline

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")
_OLDEST = datetime.min.replace(tzinfo=UTC)


def title_key(title: str) -> str:
    """Dedupe key: case, punctuation and spacing differences do not make a new story."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = _PUNCT.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _better(kept: Headline, new: Headline) -> Headline:
    """Of two copies of one story keep the dated one, else the earlier report, else the first."""
    if kept.published is None:
        return new if new.published is not None else kept
    if new.published is not None and (new.sort_time or new.published) < (
        kept.sort_time or kept.published
    ):
        return new
    return kept


def merge_headlines(batches: Iterable[Iterable[Headline]], limit: int) -> tuple[Headline, ...]:
    """One copy per story (same normalised title or same URL), newest first, undated last."""
    kept: list[Headline] = []
    by_title: dict[str, int] = {}
    by_url: dict[str, int] = {}
    for batch in batches:
        for item in batch:
            tkey = title_key(item.title)
            ukey = item.url.rstrip("/")
            slot = by_title.get(tkey) if tkey else None
            if slot is None and ukey:
                slot = by_url.get(ukey)
            if slot is None:
                slot = len(kept)
                kept.append(item)
            else:
                kept[slot] = _better(kept[slot], item)
            if tkey:
                by_title.setdefault(tkey, slot)
            if ukey:
                by_url.setdefault(ukey, slot)
    if limit <= 0:
        return ()
    # sorted() is stable with reverse=True, so equal times keep feed order.
    ordered = sorted(kept, key=lambda h: h.sort_time or _OLDEST, reverse=True)
    return tuple(ordered[:limit])


def _keyword_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive whole-word/phrase regex: "gold" matches "Gold's", not "Goldman"."""
    phrases = {_SPACE.sub(" ", w.strip()) for w in words if w and w.strip()}
    if not phrases:
        return None
    # Longest first so "S&P 500" wins over "S&P"; spaces match any run of whitespace.
    alternatives = [
        r"\s+".join(re.escape(part) for part in phrase.split(" "))
        for phrase in sorted(phrases, key=len, reverse=True)
    ]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def relate_headlines(
    headlines: Iterable[Headline], keywords: Mapping[str, Sequence[str]]
) -> tuple[Headline, ...]:
    """Copies of ``headlines`` whose ``related`` lists the symbols (in ``keywords`` order) named."""
    patterns = [
        (symbol, pattern)
        for symbol, words in keywords.items()
        if (pattern := _keyword_pattern(words)) is not None
    ]
    out: list[Headline] = []
    for item in headlines:
        related = tuple(symbol for symbol, pattern in patterns if pattern.search(item.title))
        out.append(item if related == item.related else replace(item, related=related))
    return tuple(out)
