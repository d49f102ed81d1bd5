"""Headless Chromium for the tests that need a real browser (the HTML report, the study's
enrolment site).

Chromium comes from Debian (`apt-get install chromium`, done by .ci/run) and is driven by
Playwright with ``executable_path`` (no browser download). In CI a missing browser fails the
run; on a developer machine without it these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: The flags every browser test launches Chromium with (no sandbox: CI runs as root).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_executable(what: str) -> str:
    """Chromium's path; skips (fails in CI) when Chromium or Playwright is missing. ``what`` is
    what must be checked in a real browser (for the message)."""
    path = os.environ.get("FITVAULT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    if not path:
        problem = "Chromium is not installed (Debian: apt-get install chromium; .ci/run does it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{what} must be checked in a real browser in CI: {problem}", pytrace=False)
        pytest.skip(problem)
    return path
