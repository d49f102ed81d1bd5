"""The Python API: the vault as pandas DataFrames.

::

    import fitvault

    with fitvault.open() as vault:            # the default vault, read-only
        hr = vault.heart_rate("2026-11-01", "2026-11-07", resample="1h")
        nights = vault.sleep_summary("2026-11-01", "2026-11-30")

See :mod:`fitvault.query.reader` (bounds, the time-index rule, dtypes) and
``docs/python-api.md``. Importing this package does not import pandas; the first query does.
"""

from __future__ import annotations

from fitvault.query.reader import InvalidQuery, VaultReader, open

__all__ = ["InvalidQuery", "VaultReader", "open"]
