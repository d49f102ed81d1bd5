"""Shared fixtures: a simulator on loopback (the helpers that go with it are in ``support.sim``) and the
session's `fitvault demo` vault (``support.demo_vault``)."""

from __future__ import annotations

import pytest
from support.demo_vault import demo_vault  # noqa: F401 - the session's `fitvault demo` vault
from support.sim import SIM_NOW


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
