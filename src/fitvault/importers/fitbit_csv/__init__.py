"""The legacy Fitbit category CSVs of Takeout and account archives (HRV, SpO2, temperature,
active zone minutes, sleep score): docs/facts/archives.md#csv-families."""
