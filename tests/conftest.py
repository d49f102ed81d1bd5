"""Shared fixtures: a simulator on loopback (the helpers that go with it are in ``support.sim``) and the
session's `fitvault demo` vault (``support.demo_vault``)."""

from __future__ import annotations

import logging

import pytest
from support.demo_vault import demo_vault  # noqa: F401 - the session's `fitvault demo` vault
from support.sim import SIM_NOW


@pytest.fixture(autouse=True)
def fitvault_logger_restored():
    """A command run in-process (click's CliRunner) configures the ``fitvault`` logger for a
    terminal (its own handler, ``propagate = False``); put it back after every test, so a later
    test's ``caplog`` still sees fitvault's records whatever ran before it."""
    logger = logging.getLogger("fitvault")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.fixture
def sim():
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW)) as s:
        yield s


@pytest.fixture
def sim_light():
    """:func:`sim` with heart rate at the lighter irregular 1-15 s spacing (~11k samples a day
    instead of the live ~40k): for tests of faults and resumption over many days, where density
    is not what is tested and 4x the samples would only cost minutes."""
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, heart_rate_interval_s=0)) as s:
        yield s
