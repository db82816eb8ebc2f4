"""Shared test helpers: where the recorded fixtures live and how to unwrap them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
OWN_FIXTURES = TESTS / "fixtures"
# ../shared/fixtures beside the project checkout (real recorded responses; never committed here).
SHARED_FIXTURES = TESTS.parent.parent / "shared" / "fixtures"


def own_fixture(name: str) -> bytes:
    return (OWN_FIXTURES / name).read_bytes()


def shared_dir(sub: str) -> Path:
    """The shared fixture folder ``sub``, or skip the test cleanly when it is absent."""
    path = SHARED_FIXTURES / sub
    if not path.is_dir():
        pytest.skip(f"{path} not present (contract tests need ../shared/fixtures)")
    return path


def unwrap_recording(path: Path) -> tuple[int, dict[str, str], bytes]:
    """Return (status, headers, body bytes) of a recorded response.

    node-yahoo-finance2 recordings wrap the body as ``response.bodyJson`` or ``response.body``;
    anything else is a bare body served with status 200.
    """
    raw = path.read_bytes()
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return 200, {}, raw
    if isinstance(data, dict) and isinstance(data.get("response"), dict) and "request" in data:
        resp = data["response"]
        headers = {
            k.lower(): (v[0] if isinstance(v, list) and v else v)
            for k, v in (resp.get("headers") or {}).items()
            if isinstance(v, str | list)
        }
        if "bodyJson" in resp:
            body = json.dumps(resp["bodyJson"]).encode()
        else:
            body = str(resp.get("body", "")).encode()
        return int(resp.get("status", 200)), headers, body
    return 200, {}, raw


def ccxt_http_response(path: Path, method: str) -> Any:
    """The recorded exchange body of ccxt static-response ``method`` (e.g. ``fetchTicker``)."""
    data = json.loads(path.read_bytes())
    return data["methods"][method][0]["httpResponse"]
