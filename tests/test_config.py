"""Configuration: defaults, overrides, and one clear message (exit 2) for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.config import DEFAULT_FEEDS, ConfigError, default_config, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_cover_the_watchlist() -> None:
    config = default_config()
    symbols = [i.symbol for i in config.instruments()]
    assert symbols[:5] == ["^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX"]
    for symbol in (
        "^FTSE",
        "^N225",
        "^KS11",
        "000001.SS",
        "GC=F",
        "HG=F",
        "XAU",
        "XAG",
        "BTC-USD",
        "ETH-USD",
        "SOL-USD",
        "XRP-USD",
    ):
        assert symbol in symbols
    regions = {i.symbol: i.group for i in config.instruments() if i.pane == "indices"}
    assert regions["^GDAXI"] == "Europe"
    assert regions["^KS11"] == "Asia-Pacific"
    assert config.panes["crypto"].sources == ("coinbase", "binance", "coingecko", "yahoo")
    assert config.providers["yahoo"].base_url == "https://query1.finance.yahoo.com"
    assert config.general.refresh == 30.0
    assert config.headlines.feeds == DEFAULT_FEEDS


def test_missing_default_file_means_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tui.config.default_path", lambda: tmp_path / "nope" / "config.toml")
    assert load_config(None) == default_config()


def test_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[general]
refresh = 15

[providers.yahoo]
base_url = "http://127.0.0.1:8123/yahoo/"
interval = 60

[providers.coinbase]
base_url = "http://127.0.0.1:8123/cb"

[headlines]
feeds = ["http://127.0.0.1:8123/rss.xml"]

[panes.indices]
symbols = ["^GSPC", "^N225", "^BVSP"]
[panes.indices.groups]
"Asia" = ["^N225"]
"Americas" = ["^GSPC", "^BVSP"]
[panes.indices.names]
"^BVSP" = "Bovespa"

[panes.crypto]
symbols = ["BTC-USD"]
sources = ["binance", "yahoo"]
""",
    )
    config = load_config(path)
    assert config.general.refresh == 15.0
    assert config.providers["yahoo"].base_url == "http://127.0.0.1:8123/yahoo"
    assert config.interval("yahoo") == 60.0
    assert config.interval("binance") == 15.0
    assert config.headlines.feeds == ("http://127.0.0.1:8123/rss.xml",)
    indices = [(i.group, i.symbol, i.name) for i in config.instruments() if i.pane == "indices"]
    assert indices == [
        ("Asia", "^N225", "Nikkei 225"),
        ("Americas", "^GSPC", "S&P 500"),
        ("Americas", "^BVSP", "Bovespa"),
    ]
    assert config.panes["crypto"].sources == ("binance", "yahoo")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[general\nrefresh = 5\n", "TOML syntax error"),
        ('[general]\nrefresh = "fast"\n', "general.refresh: must be a number, not a string"),
        ("[general]\nrefresh = true\n", "general.refresh: must be a number, not a boolean"),
        ("[general]\nrefresh = 0\n", "general.refresh: must be at least 1"),
        ("[general]\nrefrsh = 5\n", "general.refrsh: unknown key"),
        ("[colours]\nup = 'green'\n", "colours: unknown section"),
        (
            "[providers.kraken]\nbase_url = 'https://api.kraken.com'\n",
            "providers.kraken: unknown key",
        ),
        (
            "[providers.yahoo]\nbase_url = 42\n",
            "providers.yahoo.base_url: must be a string URL, not an integer",
        ),
        (
            "[providers.yahoo]\nbase_url = 'ftp://x'\n",
            "providers.yahoo.base_url: must start with http:// or https://",
        ),
        (
            "[panes.crypto]\nsources = ['coinbase', 'kraken']\n",
            "panes.crypto.sources[1]: unknown provider 'kraken'",
        ),
        (
            "[panes.crypto]\nsources = 'coinbase'\n",
            "panes.crypto.sources: must be a list of strings, not a string",
        ),
        (
            "[panes.metals]\nsymbols = ['GC=F', 3]\n",
            "panes.metals.symbols[1]: must be a non-empty string, not an integer",
        ),
        ("[panes.metals]\nsymbols = []\n", "panes.metals.symbols: must not be empty"),
        (
            "[panes.indices]\nsymbols = ['^GSPC']\n[panes.indices.groups]\nEurope = ['^FTSE']\n",
            "panes.indices.groups.Europe: '^FTSE' is not in panes.indices.symbols",
        ),
        ("[panes.forex]\nsymbols = ['EURUSD=X']\n", "panes.forex: unknown key"),
        ("[headlines]\nfeeds = ['not a url']\n", "headlines.feeds[0]: must start with http"),
        (
            "[panes.indices.markets]\n'^GSPC' = 'MOON'\n",
            "panes.indices.markets.^GSPC: unknown market 'MOON'",
        ),
        ("general = 3\n", "general: must be a table, not an integer"),
        ("[general]\nuser_agent = ''\n", "general.user_agent: must be a non-empty string"),
        (
            '[general]\nuser_agent = "x\\r\\nX-Evil: 1"\n',
            "general.user_agent: must be printable ASCII",
        ),
        (
            "[providers.yahoo]\nmax_requests_per_minute = 0\n",
            "providers.yahoo.max_requests_per_minute: must be at least 1",
        ),
        (
            "[headlines]\nmax_requests_per_minute = 'lots'\n",
            "headlines.max_requests_per_minute: must be a number, not a string",
        ),
    ],
)
def test_bad_config_message(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_request_budgets_and_user_agent(tmp_path: Path) -> None:
    from tui.data.factory import host_budgets

    default = load_config(write(tmp_path, ""))
    assert default.general.user_agent is None
    assert {n: p.budget for n, p in default.providers.items()} == {
        "yahoo": 60.0,
        "coinbase": 300.0,
        "binance": 600.0,
        "coingecko": 10.0,
        "goldapi": 30.0,
    }
    assert default.headlines.max_requests_per_minute == 12.0
    config = load_config(
        write(
            tmp_path,
            '[general]\nuser_agent = "marketmon/1.0"\n'
            "[providers.yahoo]\nbase_url = 'https://query2.finance.yahoo.com'\n"
            "max_requests_per_minute = 30\n",
        )
    )
    assert config.general.user_agent == "marketmon/1.0"
    budgets = host_budgets(config, {"yahoo", "coingecko"})
    assert budgets["query.finance.yahoo.com"] == 30.0  # query1 and query2: one service
    assert budgets["api.coingecko.com"] == 10.0
    assert budgets["www.cnbc.com"] == 12.0  # a default feed's host


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[general]\nrefresh = 5\n\n[panes.crypto\n")
    with pytest.raises(ConfigError, match=r"line 4"):
        load_config(path)


@pytest.mark.parametrize(
    "text",
    ["[general\n", "[general]\nrefresh = 'x'\n", "[panes.crypto]\nsources = ['nope']\n"],
)
def test_cli_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = write(tmp_path, text)
    assert main(["snapshot", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(path) in err
    assert "Traceback" not in err


def test_cli_missing_explicit_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "missing.toml"), "snapshot"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_unreadable_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe[general]")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary)


def test_unreadable_file_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Root can read a chmod 000 file, so the permission error is injected where it is raised."""
    path = write(tmp_path, "[general]\nrefresh = 5\n")
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["snapshot", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"marketmon: bad config: {path}: cannot read: Permission denied\n"


def test_dangling_symlink_is_a_clear_error(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError, match="file not found"):
        load_config(link)


def test_symbols_are_stripped_before_the_duplicate_check(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[panes.indices]\nsymbols = ["^GSPC", " ^GSPC"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: panes.indices.symbols: lists '^GSPC' twice"


def test_a_symbol_in_two_groups_is_a_config_error_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[panes.indices.groups]\n"Americas" = ["^GSPC", "^IXIC"]\n"Europe" = ["^FTSE", " ^GSPC"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: panes.indices.groups.Europe: '^GSPC' is already in group 'Americas'"
    )


def test_a_symbol_in_two_groups_exits_2_from_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[panes.metals.groups]\n"Futures" = ["GC=F"]\n"Spot" = ["GC=F", "XAU"]\n')
    assert main(["--config", str(path), "snapshot", "--demo"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"marketmon: bad config: {path}: panes.metals.groups.Spot: "
        "'GC=F' is already in group 'Futures'"
    ]
