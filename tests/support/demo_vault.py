"""One `fitvault demo` vault per test session, shared by the MCP and notebook tests.

It is made by the library function behind ``fitvault demo`` (simulator, OAuth code + PKCE,
sync), so the notebooks and the MCP server are tested on exactly what a new user's
``fitvault demo`` leaves. :data:`DEMO_DAYS` of history keep it to ~20 s on 2 cores.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from fitvault.demo import run_demo

DEMO_DAYS = 21
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_vault(tmp_path_factory) -> Path:
    """The folder of a demo vault with :data:`DEMO_DAYS` days (read it, never write to it)."""
    root = tmp_path_factory.mktemp("demo-vault")
    result = run_demo(root, days=DEMO_DAYS)
    assert not result.report.incomplete, result.report.incomplete
    return root


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python that must import this checkout's fitvault (src/ first)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PYTHON = sys.executable
