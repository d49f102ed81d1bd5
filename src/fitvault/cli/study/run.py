"""`fitvault study up | sync | worker`: running the study (queue, workers, scheduler, web)."""

from __future__ import annotations

import logging

import click

from fitvault.cli.app import err_console, handle_errors
from fitvault.cli.study.group import StudyApp, json_option, pass_study, study
from fitvault.errors import ConfigError


@study.command("sync")
@click.argument("participant_ids", nargs=-1)
@click.option("--all", "all_due", is_flag=True, help="Every active participant whose window is open.")
@json_option
@pass_study
@handle_errors
def sync(app: StudyApp, participant_ids, all_due: bool, as_json: bool) -> None:
    """Queue syncs now (a running worker, `study up` or `study worker`, runs them). A participant
    whose sync is already waiting is not queued twice."""
    from fitvault.study import audit, roster
    from fitvault.study.procrastinate_queue import ProcrastinateQueue
    from fitvault.study.queue import due_participants

    conn = app.connect()
    pids = due_participants(conn) if all_due else list(participant_ids)
    if not pids and not all_due:
        raise ConfigError("name participant ids, or pass --all")
    for pid in pids:
        roster.get_participant(conn, pid)
    with ProcrastinateQueue(app.url()) as queue:
        result = {pid: queue.enqueue_sync(pid, reason="staff") for pid in pids}
    audit.record(conn, audit.staff_actor(), "sync.queue", None, {"participants": len(pids),
                                                                 "queued": sum(result.values())})
    queued = [p for p, ok in result.items() if ok]
    waiting = [p for p, ok in result.items() if not ok]
    app.emit(as_json, {"queued": queued, "already_queued": waiting},
             f"{len(queued)} sync(s) queued" + (f", {len(waiting)} already waiting" if waiting else ""))


@study.command("worker")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Participants synced at once by this process.")
@click.option("--once", is_flag=True, help="Run the queued syncs, then exit (no periodic tasks).")
@click.option("--stalled-after", default=30.0, show_default=True, type=click.FloatRange(1, 3600), metavar="SECONDS",
              help="A worker silent this long is dead: its jobs are taken over (heartbeat every third of it).")
@click.option("--verbose", "-v", is_flag=True, help="Log each job (never tokens).")
@pass_study
@handle_errors
def worker(app: StudyApp, concurrency: int, once: bool, stalled_after: float, verbose: bool) -> None:
    """Run sync jobs from the queue. Several workers (on this host, which keeps the vaults) share
    the queue: never two syncs of one participant at once; a job of a worker that died is taken
    over after --stalled-after seconds. Each worker also runs the nightly sync schedule. Ctrl-C / SIGTERM stops it
    after its running jobs."""
    from fitvault.study.jobs import JobContext
    from fitvault.study.limits import InFlightGate
    from fitvault.study.procrastinate_queue import ProcrastinateQueue

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    url = app.url()
    app.connect()  # fails here, with what to do, when the study is not initialised
    settings = app.settings()
    context = JobContext(url, app.cipher(), app.vaults(), gate=InFlightGate(settings.max_in_flight))
    if not once:
        err_console.print(f"worker: {concurrency} participants at once; Ctrl-C stops", soft_wrap=True)
    queue = ProcrastinateQueue(url, context=context, heartbeat_s=stalled_after / 3, stalled_after_s=stalled_after)
    queue.run_worker(concurrency=concurrency, once=once)


@study.command("up")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Participants synced at once per worker.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the enrolment site.")
@click.option("--port", default=8470, show_default=True, type=click.IntRange(1, 65535), help="Port of the enrolment site.")
@click.option("--no-web", is_flag=True, help="Workers and scheduler only (the site runs elsewhere).")
@pass_study
@handle_errors
def up(app: StudyApp, workers: int, concurrency: int, host: str, port: int, no_web: bool) -> None:
    """Run the whole study: the database (a private PostgreSQL under <study dir>/postgres when no
    --db / FITVAULT_DATABASE_URL is given), the enrolment site, the workers and the scheduler,
    until Ctrl-C."""
    from fitvault.study.services import Services

    url = app.url(create_private=True)  # the private cluster (under <study dir>/postgres) stops with the command
    app.connect()
    app.settings()  # `study init` first
    services = Services(url, app.study_dir, workers=workers, concurrency=concurrency, web=not no_web,
                        host=host, port=port, echo=lambda text: err_console.print(text, soft_wrap=True))
    services.start()
    try:
        code = services.wait()
    finally:
        services.stop()
    raise SystemExit(code)
