"""GoogleData families with an API twin land in the API's tables (issue #13 item 8), from
synthetic files with the 2026 Takeout's headers (docs/facts/archives.md#fact-6, docs/facts/archives.md#fact-9, docs/facts/archives.md#fact-10)."""

from __future__ import annotations

from datetime import datetime, timezone

from support.takeout import Archive, ms

from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.importers import import_paths
from fitvault.store.vault import Vault

PA = "Takeout/Fitbit/Physical Activity_GoogleData/"
RR_HEADER = ",".join(["timestamp"] + [f"{s} sleep stats - {w}" for s in ("deep", "light", "rem", "full") for w in (
    "milli breaths per minute", "standard deviation milli breaths per minute", "signal to noise")] + ["data source"])


def utc(*a) -> int:
    return ms(datetime(*a, tzinfo=timezone.utc))


def q(v: Vault, sql: str) -> list[tuple]:
    return v.conn.execute(sql).fetchall()


def test_twin_families(tmp_path):
    a = Archive()
    a.csv(PA + "daily_heart_rate_variability.csv", "timestamp,average heart rate variability milliseconds,non rem heart "
          "rate beats per minute,entropy,deep sleep root mean square of successive differences milliseconds,data source",
          ["2026-04-06T00:00:00Z,29.2,69.8,2.3,25.45,Fitbit App", "2026-04-07T00:00:00Z,0.0,0.0,0.0,0.0,Fitbit App"])
    a.csv(PA + "daily_respiratory_rate.csv", "timestamp,breaths per minute,data source",
          ["2026-04-06T00:00:00Z,17.2,Fitbit App"])
    a.csv(PA + "daily_oxygen_saturation.csv", "timestamp,average percentage,lower bound percentage,upper bound "
          "percentage,baseline percentage,standard deviation percentage,data source",
          ["2026-04-06T00:00:00Z,90.7,87.3,93.6,0.0,0.0,Inspire 3"])
    a.csv(PA + "daily_sleep_temperature_derivations.csv", "timestamp,nightly temperature celsius,baseline temperature "
          "celsius,relative nightly stddev 30d celsius,data source", ["2026-04-06T00:00:00Z,33.545,NaN,NaN,Fitbit App"])
    a.csv(PA + "demographic_vo2max.csv", "timestamp,demographic vo2max,data source",
          ["2026-04-06T00:00:00Z,41.3,Fitbit App"])
    a.csv(PA + "heart_rate_variability_2026-04-01.csv", "timestamp,root mean square of successive differences "
          "milliseconds,standard deviation milliseconds,data source",
          ["2026-04-06T08:20:00Z,35.8,0.0,Fitbit App", "2026-04-06T08:25:00Z,0.0,0.0,Fitbit App"])
    a.csv(PA + "respiratory_rate_sleep_summary_2026-04-01.csv", RR_HEADER,
          ["2026-04-06T13:22:30Z,17.2,2.1,5.0,16.8,1.9,10.9,-1.0,-1.0,-1.0,17.1,2.0,5.5,Fitbit App"])
    a.csv(PA + "activity_level_2026-03-19.csv", "timestamp,level,data source",
          ["2026-03-19T18:40:00Z,SEDENTARY,Fitbit App", "2026-03-19T18:48:00Z,LIGHTLY_ACTIVE,Fitbit App",
           "2026-03-19T18:49:00Z,JUMPING,Fitbit App"])
    a.csv(PA + "sedentary_period_2026-03-26.csv", "start time,end time,data source",
          ["2026-03-26T17:50:00Z,2026-03-26T18:05:00Z,Fitbit App"])
    root = a.folder(tmp_path / "t")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root], tz="America/New_York")
        assert not report.skipped
        assert q(v, "SELECT date, average_hrv_ms, non_rem_hr_bpm, entropy, deep_sleep_rmssd_ms FROM daily_hrv") == [
            ("2026-04-06", 29.2, 70, 2.3, 25.45)]  # the all-zero night has no value
        assert q(v, "SELECT date, breaths_per_min FROM daily_breathing_rate") == [("2026-04-06", 17.2)]
        assert q(v, "SELECT date, average_pct, lower_bound_pct, upper_bound_pct, stddev_pct FROM daily_spo2") == [
            ("2026-04-06", 90.7, 87.3, 93.6, None)]
        assert q(v, "SELECT date, nightly_c, baseline_c, relative_stddev_30d_c FROM daily_skin_temperature") == [
            ("2026-04-06", 33.545, None, None)]
        assert q(v, "SELECT date, vo2_max_ml_kg_min, estimated FROM daily_vo2_max") == [("2026-04-06", 41.3, 1)]
        assert q(v, "SELECT time_ms, utc_offset_s, rmssd_ms, sdnn_ms FROM hrv") == [
            (utc(2026, 4, 6, 8, 20), -14400, 35.8, None)]
        # stats in the order deep, light, REM, full; -1.0 is a missing REM rate, the rest stays
        assert q(v, "SELECT time_ms, utc_offset_s, full_breaths_per_min, full_stddev_breaths_per_min, "
                    "full_signal_to_noise, deep_breaths_per_min, light_breaths_per_min, rem_breaths_per_min "
                    "FROM breathing_rate_sleep") == [(utc(2026, 4, 6, 13, 22, 30), -14400, 17.1, 2.0, 5.5, 17.2, 16.8,
                                                      None)]
        assert q(v, "SELECT start_ms, start_offset_s, end_ms, level FROM activity_level ORDER BY 1") == [
            (utc(2026, 3, 19, 18, 40), -14400, utc(2026, 3, 19, 18, 41), "SEDENTARY"),
            (utc(2026, 3, 19, 18, 48), -14400, utc(2026, 3, 19, 18, 49), "LIGHTLY_ACTIVE")]
        assert q(v, "SELECT start_ms, end_ms FROM sedentary_periods") == [
            (utc(2026, 3, 26, 17, 50), utc(2026, 3, 26, 18, 5))]
        assert q(v, "SELECT DISTINCT origin FROM sources") == [("takeout-google-data",)]
        assert import_paths(v, [root]).changed == 0


def test_2025_vintage_hrv_is_local_wall_time(tmp_path):
    """No 'data source' column: the stamp is the local wall time with a Z (fact 6)."""
    a = Archive().csv(PA + "heart_rate_variability_2025-06-01.csv", "timestamp,root mean square of successive "
                      "differences milliseconds,standard deviation milliseconds", ["2025-06-02T03:15:00Z,41.0,0.0"])
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [a.folder(tmp_path / "t")], tz="America/New_York")
        assert q(v, "SELECT time_ms, utc_offset_s, rmssd_ms FROM hrv") == [(utc(2025, 6, 2, 7, 15), -14400, 41.0)]
        assert any("2025 vintage" in n for n in report.notes)


def test_zone_temperature_and_swim_families(tmp_path):
    """Their tables come with migration 005: imported once it is merged, skipped as unrecognised
    before (both states are checked)."""
    a = Archive()
    a.csv(PA + "time_in_heart_rate_zone_2026-03-19.csv", "timestamp,heart rate zone type,data source",
          ["2026-03-26T17:58:00Z,LIGHT,Fitbit App", "2026-03-26T17:59:00Z,MODERATE,Fitbit App"])
    a.csv(PA + "calories_in_heart_rate_zone_2026-03-19.csv", "timestamp,heart rate zone type,kcal,data source",
          ["2026-03-19T18:22:00Z,HEART_RATE_ZONE_TYPE_UNSPECIFIED,0.80148,Fitbit App",
           "2026-03-19T18:23:00Z,LIGHT,,Fitbit App"])
    a.csv(PA + "body_temperature_2026-03-24.csv", "timestamp,temperature celsius,data source",
          ["2026-03-24T17:11:00Z,20.4,Inspire 3", "2026-03-24T17:12:00Z,99.0,Inspire 3"])
    a.csv(PA + "swim_lengths_data_2026-04-01.csv", "timestamp,lap time,stroke count,stroke type,data source",
          ["2026-04-06T04:24:37Z,00:00:09.000,5,SWIM_STROKE_TYPE_UNSPECIFIED,Inspire 3"])
    root = a.folder(tmp_path / "t")
    with Vault(tmp_path / "v") as v:
        report = import_paths(v, [root], tz="America/New_York")
        if "swim_lengths" not in TABLES_BY_NAME:  # before migration 005 (branch i14-types) is merged
            assert sorted(f.reason for f in report.skipped) == [
                f"unrecognised GoogleData family {k!r}" for k in
                ("body_temperature", "calories_in_heart_rate_zone", "swim_lengths_data", "time_in_heart_rate_zone")]
            return
        assert not report.skipped
        assert q(v, "SELECT start_ms, start_offset_s, end_ms, heart_rate_zone FROM time_in_heart_rate_zone "
                    "ORDER BY 1") == [(utc(2026, 3, 26, 17, 58), -14400, utc(2026, 3, 26, 17, 59), "LIGHT"),
                                      (utc(2026, 3, 26, 17, 59), -14400, utc(2026, 3, 26, 18, 0), "MODERATE")]
        assert q(v, "SELECT start_ms, end_ms, heart_rate_zone, kcal FROM calories_in_heart_rate_zone") == [
            (utc(2026, 3, 19, 18, 22), utc(2026, 3, 19, 18, 23), "HEART_RATE_ZONE_TYPE_UNSPECIFIED", 0.80148)]
        assert q(v, "SELECT time_ms, utc_offset_s, temperature_c FROM body_temperature") == [
            (utc(2026, 3, 24, 17, 11), -14400, 20.4)]  # 99 °C is quarantined
        assert q(v, "SELECT count(*) FROM quarantine") == [(1,)]
        assert q(v, "SELECT start_ms, end_ms, stroke_count, stroke_type FROM swim_lengths") == [
            (utc(2026, 4, 6, 4, 24, 37), utc(2026, 4, 6, 4, 24, 46), 5, "SWIM_STROKE_TYPE_UNSPECIFIED")]
        assert import_paths(v, [root]).changed == 0
