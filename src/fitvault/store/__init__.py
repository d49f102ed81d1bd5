"""The local vault: SQLite tables, migrations, raw archive."""
