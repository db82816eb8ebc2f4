"""The data layer: providers -> polars frames -> computed moves -> immutable snapshots.

Nothing under this package may import Textual or Rich (enforced by tests/test_boundary.py),
so the same pipeline serves the TUI, the snapshot command and the benchmarks.
"""
