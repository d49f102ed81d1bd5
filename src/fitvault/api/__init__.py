"""The Google Health API client: HTTP, quota, retries, typed errors."""
