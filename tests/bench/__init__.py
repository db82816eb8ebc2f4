"""marketmon's benchmark suite: ``python -m tests.bench`` (kept out of the default test run)."""
