"""``Global Export Data`` JSON (Takeout) and the same files of the old account archives
(``user-site-export/``, ``MyFitbitData/<name>/<category>/``): docs/facts/archives.md#global-export-json."""
