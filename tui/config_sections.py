"""The small sections of the config: ``[macro]``, ``[record]`` and ``[share]``.

Kept apart from :mod:`tui.config` so that module stays a readable size; ``with_share`` lives
here beside the ``[share]`` parser because ``--share URL`` is checked the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.config_checks import Checker, kind
from tui.config_model import DEFAULT_MACRO_SERIES, Config, MacroConfig, ShareConfig

_MACRO_KEYS = {"series", "interval"}
_SHARE_KEYS = {"redis", "lease"}
_RECORD_KEYS = {"dir"}


def parse_macro(check: Checker, data: Mapping[str, Any]) -> MacroConfig:
    """``[macro]``: FRED series ids, each checked to be a plausible id."""
    macro_raw = check.table(data, "macro", _MACRO_KEYS)
    macro = MacroConfig(
        series=check.strings(macro_raw["series"], "macro.series", allow_empty=True)
        if "series" in macro_raw
        else DEFAULT_MACRO_SERIES,
        interval=check.number(macro_raw, "macro.interval", 3600.0, 60.0),
    )
    for i, series in enumerate(macro.series):
        if not series.replace("_", "").isalnum() or len(series) > 40:
            raise check.fail(f"macro.series[{i}]", f"not a FRED series id: {series!r}")
    return macro


def parse_share(check: Checker, data: Mapping[str, Any]) -> ShareConfig | None:
    if "share" not in data:
        return None
    raw = check.table(data, "share", _SHARE_KEYS)
    if "redis" not in raw:
        raise check.fail("share.redis", "is required in [share]")
    lease = check.number(raw, "share.lease", 15.0, 1.0)
    if lease > 15.0:
        raise check.fail("share.lease", f"must be at most 15 seconds, got {lease:g}")
    return ShareConfig(redis=share_url(check, raw["redis"], "share.redis"), lease=lease)


def share_url(check: Checker, value: Any, key: str) -> str:
    """A checked Redis URL; the error names the key, never the password."""
    from tui.data.share_url import check_redis_url

    if not isinstance(value, str):
        raise check.fail(key, f"must be a string URL, not {kind(value)}")
    problem = check_redis_url(value)
    if problem is not None:
        raise check.fail(key, problem)
    return value


def with_share(config: Config, url: str, source: str = "--share") -> Config:
    """``config`` with ``--share URL`` applied (the command line wins over the file)."""
    from dataclasses import replace

    check = Checker(None)
    check.where = source
    url = share_url(check, url, "redis")
    lease = config.share.lease if config.share is not None else 15.0
    return replace(config, share=ShareConfig(redis=url, lease=lease))


def parse_record_dir(check: Checker, data: Mapping[str, Any], path: Path | None) -> Path | None:
    """``[record] dir``: ``~`` expanded; a relative folder is relative to the config file."""
    record = check.table(data, "record", _RECORD_KEYS)
    if "dir" not in record:
        return None
    value = record["dir"]
    if not isinstance(value, str) or not value.strip():
        raise check.fail("record.dir", f"must be a folder name, not {kind(value)}")
    folder = Path(value).expanduser()
    if not folder.is_absolute() and path is not None:
        folder = path.parent / folder
    return folder
