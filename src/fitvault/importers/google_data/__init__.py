"""Takeout ``*_GoogleData`` CSVs (UTC instants, explicit units, a device per row): reference §4.3."""
