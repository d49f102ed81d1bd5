"""Registers every command on the `fitvault` group (imported by ``main()``)."""

from fitvault.cli import auth, demo, status, sync  # noqa: F401
