"""Takeout ``*_GoogleData`` CSVs (UTC instants, explicit units, a device per row): docs/facts/archives.md#csv-families."""
