"""CSV files written with the seed tutorials (``heartYYYYMMDD.csv``, ``sleepYYYYMMDD.csv``,
multi-day ``all_intradata.csv`` frames) and fitvault's own per-day export."""
