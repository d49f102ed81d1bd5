"""Compliance from a participant's vault equals the simulated person's own wear (its minute plan),
valid days follow the threshold, and the contact-today rules give exact rows; on a real export
(../shared/realdata, read in place, nothing personal printed) wear is plausible, equals a second
count through the pandas API, and nights worn show the heart rate dipping."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from support.sim import FITVAULT, SIM_NOW, realdata
from support.study_vaults import synced_vault, worn_minutes_by_local_day

import fitvault
from fitvault.study.compliance import Compliance, DayWear, contact_reasons, token_state, vault_compliance

UTC = timezone.utc
WINDOW_START = date(2026, 11, 8)  # covers the Tokyo trip: 11-10 is a short local day, 11-15 a long one


@pytest.fixture(scope="module")
def person_vault(tmp_path_factory):
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, heart_rate_interval_s=0)) as sim:
        vault = synced_vault(sim, tmp_path_factory.mktemp("p1"), date(2026, 11, 7))
        truth = worn_minutes_by_local_day(sim.person, datetime(2026, 11, 7, tzinfo=UTC), SIM_NOW)
        yield vault, {d: n for d, n in truth.items() if d >= WINDOW_START}


@pytest.mark.slow
def test_wear_minutes_and_valid_days_equal_the_persons_worn_minutes(person_vault):
    vault, truth = person_vault
    c = vault_compliance(vault, "P001", WINDOW_START, None, as_of=SIM_NOW)
    assert {d.date: d.wear_minutes for d in c.days} == truth
    # today (11-21 local) has not ended: pending; every earlier day is judged against 10 h
    assert [d.status for d in c.days] == ["valid" if n >= 600 else "invalid" for n in list(truth.values())[:-1]] + ["pending"]
    assert c.days[2] == DayWear(date(2026, 11, 10), truth[date(2026, 11, 10)], "invalid")  # flew to Tokyo: a 10-h day
    assert truth[date(2026, 11, 15)] > 24 * 60  # flew back: the local day lasted 38 h
    assert c.valid_days == 12 and c.settled_days == 13
    assert c.wear_hours == pytest.approx(sum(truth.values()) / 60)
    # the last sample is seconds before now; the device synced within the last 15 minutes
    assert timedelta(0) <= c.lag < timedelta(minutes=1)
    assert SIM_NOW - c.last_device_sync <= timedelta(minutes=15)
    assert c.device == "Pixel Watch 3" and c.battery_status in ("High", "Medium", "Low")


@pytest.mark.slow
def test_window_threshold_and_a_later_day_without_sync(person_vault):
    vault, truth = person_vault
    # a closed window, a stricter threshold: 11-08 and 11-09 are worn 22+ h, 11-10 is not
    c = vault_compliance(vault, "P001", WINDOW_START, date(2026, 11, 10), as_of=SIM_NOW, valid_day_hours=20)
    assert [(d.date, d.status) for d in c.days] == [
        (date(2026, 11, 8), "valid"), (date(2026, 11, 9), "valid"), (date(2026, 11, 10), "invalid")]
    mean = sum(truth[d.date] for d in c.days) / 3 / 60
    assert mean < 20
    assert contact_reasons(c, "valid") == [f"low wear ({mean:.1f} h/day over the last 3 days)"]
    # four days later with no device sync since: the new days stay pending, not invalid
    later = SIM_NOW + timedelta(days=4)
    c = vault_compliance(vault, "P001", WINDOW_START, None, as_of=later)
    assert [d.status for d in c.days[-5:]] == ["pending"] * 5
    assert c.valid_days == 12
    assert contact_reasons(c, "valid")[0] == "no device sync for 4 days"


def _compliance(**kw) -> Compliance:
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    c = Compliance("P", date(2026, 11, 1), None, now, 10.0, last_device_sync=now - timedelta(hours=2),
                   device="Pixel Watch 3", battery_status="High", battery_level=80)
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def test_contact_today_rules_give_exact_reasons():
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    worn = [DayWear(date(2026, 11, 17 + i), 700, "valid") for i in range(4)]
    assert contact_reasons(_compliance(days=worn), "valid") == []
    assert contact_reasons(_compliance(days=worn, last_device_sync=now - timedelta(days=3)), "valid") == [
        "no device sync for 3 days"]
    assert contact_reasons(_compliance(days=worn, last_device_sync=now - timedelta(days=2, hours=23)), "valid") == []
    assert contact_reasons(_compliance(days=worn, last_device_sync=None), "valid") == ["no device sync seen"]
    assert contact_reasons(_compliance(days=worn, battery_level=20, battery_status="Low"), "valid") == ["low battery (20 %)"]
    assert contact_reasons(_compliance(days=worn, battery_level=None, battery_status="Empty"), "valid") == ["low battery"]
    assert contact_reasons(_compliance(days=worn, battery_level=21, battery_status="Medium"), "valid") == []
    assert contact_reasons(_compliance(days=worn), "needs re-consent") == ["grant invalid: needs re-consent"]
    assert contact_reasons(_compliance(days=worn), "expiring") == ["grant expiring (Testing mode): re-consent"]
    low = worn[:1] + [DayWear(date(2026, 11, 18 + i), 500, "invalid") for i in range(3)] + [
        DayWear(date(2026, 11, 21), 10, "pending")]
    assert contact_reasons(_compliance(days=low), "valid") == ["low wear (8.3 h/day over the last 3 days)"]
    everything = _compliance(days=low, last_device_sync=now - timedelta(days=5), battery_level=5, battery_status="Low")
    assert contact_reasons(everything, "expired") == [
        "no device sync for 5 days", "low battery (5 %)", "grant invalid: needs re-consent",
        "low wear (8.3 h/day over the last 3 days)"]


def test_token_state():
    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    assert token_state("active", None, now) == "valid"
    assert token_state("active", now + timedelta(days=3), now) == "valid"
    assert token_state("active", now + timedelta(days=2), now) == "expiring"
    assert token_state("active", now - timedelta(seconds=1), now) == "expired"
    assert token_state("needs_reconsent", None, now) == "needs re-consent"
    assert token_state("invited", None, now) == "none"
    assert token_state("withdrawn", None, now) == "none"


@pytest.mark.slow
def test_wear_on_a_real_account_archive(tmp_path):
    archive = realdata("fitport-dev/MyFitbitData.zip")  # a Charge HR, 2016-05..07, Sydney, no DST change
    vault = tmp_path / "vault"
    proc = subprocess.run(FITVAULT + ["--vault", str(vault), "import", "--tz", "Australia/Sydney", str(archive)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with fitvault.open(vault) as r:
        hr = r.heart_rate()
    local = hr["local_time"].dt
    # the second count: distinct instant minutes per local date, through pandas
    recount = hr.assign(m=hr.index.floor("min"), d=local.date).groupby("d")["m"].nunique()
    first, last = recount.index.min(), recount.index.max()
    c = vault_compliance(vault, "R", first, last, as_of=datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert {d.date: d.wear_minutes for d in c.days if d.wear_minutes} == {d: int(n) for d, n in recount.items()}
    assert all(0 <= d.wear_minutes <= 24 * 60 for d in c.days)
    # no paired devices in an archive: data after a day's end settles it; the last day stays pending
    assert [d.status for d in c.days][-1] == "pending" and c.settled_days == len(c.days) - 1
    assert c.valid_days >= 0.9 * c.settled_days
    # asleep (01:00-05:00 local) the heart rate is below the afternoon's (13:00-19:00) on most days
    night = hr[(local.hour >= 1) & (local.hour < 5)].groupby(local.date)["bpm"].mean()
    day = hr[(local.hour >= 13) & (local.hour < 19)].groupby(local.date)["bpm"].mean()
    both = night.index.intersection(day.index)
    assert len(both) >= 80 and (night[both] < day[both]).mean() >= 0.9
