"""One module per data source; ``registry.PROVIDERS`` maps config names to classes.

Kept empty so that importing a single provider (the demo's base class) does not load httpx
and every live provider onto the start-up path.
"""
