"""How the study's limits hold: the in-flight cap (a process's share of ``max_in_flight``, from
the live workers in PostgreSQL, enforced on real HTTP requests) and the grant refresh lock across
connections (processes)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import filelock
import httpx
import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.sim import SIM_NOW

from fitvault.study import roster
from fitvault.study.crypto import GrantCipher
from fitvault.study.grants import StudyTokenStore
from fitvault.study.limits import GatedTransport, InFlightGate, process_share


@pytest.mark.slow
def test_the_gate_admits_at_most_its_capacity_of_real_requests_and_can_be_resized():
    from fitvault_simulator import Simulator, SimulatorConfig

    gate = InFlightGate(3)
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, latency_s=0.05)) as sim, \
            httpx.Client(transport=GatedTransport(gate)) as http:
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(lambda _: http.get(sim.url + "/v4/users/me/identity").status_code, range(36)))
        assert statuses == [401] * 36 and gate.peak == 3
        gate.resize(1)
        gate.peak = 0
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: http.get(sim.url + "/v4/users/me/identity"), range(12)))
        assert gate.peak == 1


def test_a_process_share_is_max_in_flight_over_the_live_workers(study_conn):
    assert process_share(study_conn, 32) == 32  # no worker registered yet: this one
    for age_s in (1, 2, 3, 600):  # three live workers and one dead for ten minutes
        study_conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - make_interval(secs => %s))",
                           (age_s,))
    assert process_share(study_conn, 32) == 10
    assert process_share(study_conn, 2) == 1  # never 0


def test_a_grant_refresh_lock_is_held_across_connections(study_url, study_conn, tmp_path):
    cipher = GrantCipher.create(tmp_path)
    roster.add_participant(study_conn, "P001", date(2026, 11, 1), actor="staff")
    with StudyTokenStore(study_url, cipher, "P001") as one, StudyTokenStore(study_url, cipher, "P001") as two, \
            StudyTokenStore(study_url, cipher, "P002") as other:
        with one.lock(5):
            started = time.monotonic()
            with pytest.raises(filelock.Timeout):
                with two.lock(0.3):
                    pass
            assert time.monotonic() - started >= 0.3
            with other.lock(0.3):  # another participant's grant is not held up
                pass
        released = threading.Event()
        with two.lock(1):
            released.set()
        assert released.is_set()
        assert one.load() is None and repr(one) == "StudyTokenStore('P001')"
