"""marketmon: a global market monitor for the terminal."""

__version__ = "0.1.0"
