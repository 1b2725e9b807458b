"""flask commands: create-user, deactivate-user, create-token, revoke-token, seed-demo, worker, dialler, cron,
stats rebuild, stats verify, export-person, doctor (hotline/doctor.py), simulate-call."""

from __future__ import annotations

import getpass
import json
import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import Queue

from hotline import events
from hotline.accounts import auth, users
from hotline.accounts.users import LANGUAGES
from hotline.cases import export
from hotline.cases.lookup import UnknownCase
from hotline.core import phones
from hotline.doctor import doctor
from hotline.models import QueueName, Role
from hotline.stats import rebuild

# How long deactivate-user and revoke-token wait, at most, to tell the web processes.
ENDING_SECONDS = 2.0


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(deactivate_user)
    app.cli.add_command(create_token)
    app.cli.add_command(revoke_token)
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
    app.cli.add_command(dialler)
    app.cli.add_command(cron)
    app.cli.add_command(doctor)
    app.cli.add_command(stats)
    app.cli.add_command(export_person)


def _listed(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Omit to have one generated and printed.")
@click.option("--queues", help="Queues served, comma-separated: " + ",".join(q.value for q in QueueName))
@click.option("--languages", help="Languages spoken with callers, comma-separated: " + ",".join(LANGUAGES))
@click.option("--phone", help="The user's own phone number (kept encrypted, shown masked).")
def create_user(
    name: str, role: str, password: str | None, queues: str | None, languages: str | None, phone: str | None
) -> None:
    """Create an operator, supervisor or admin."""
    try:
        user, password = users.create_user(
            name, Role(role), password, queues=_listed(queues), languages=_listed(languages), phone=phone
        )
    except (users.UserExists, users.UnknownQueue, users.UnknownLanguage) as error:
        raise click.ClickException(str(error)) from None
    except phones.InvalidNumber:
        raise click.ClickException("--phone is not a phone number") from None
    click.echo(f"created {user.role} {user.username}")
    if user.queue_names and user.role == Role.OPERATOR:
        click.echo(f"queues: {', '.join(user.queue_names)}")
    if user.language_codes:
        click.echo(f"languages: {', '.join(user.language_codes)}")
    if user.phone_encrypted is not None:
        click.echo(f"phone: {users.masked_phone(user)}")
    click.echo(f"password: {password}")


@click.command("deactivate-user")
@with_appcontext
@click.argument("name")
def deactivate_user(name: str) -> None:
    """Deactivate a user and revoke their API tokens."""
    try:
        revoked = auth.deactivate_user(name)
    except (auth.UnknownUser, auth.UserInactive) as error:
        raise click.ClickException(str(error)) from None
    _live_connections_told()
    click.echo(f"deactivated {name}; revoked {revoked} API token(s)")


@click.command("create-token")
@with_appcontext
@click.argument("name")
@click.option(
    "--user", "username", help="The user the token acts as. Omit for a read-only integration token."
)
def create_token(name: str, username: str | None) -> None:
    """Create an API token. The token is the last line printed; it is not shown again."""
    try:
        token = auth.create_token(name, username)
    except (auth.UnknownUser, auth.UserInactive) as error:
        raise click.ClickException(str(error)) from None
    owner = f"acting as {username}" if username else "read-only"
    click.echo(f"API token {name!r} ({owner}) created; keep it safe, it is not shown again:")
    click.echo(token)


@click.command("revoke-token")
@with_appcontext
@click.argument("name")
def revoke_token(name: str) -> None:
    """Revoke the API token(s) with this name: all of them when several share it."""
    try:
        revoked = auth.revoke_token(name)
    except auth.UnknownToken as error:
        raise click.ClickException(str(error)) from None
    _live_connections_told()
    click.echo(f"revoked {revoked} API token(s) named {name!r}")


def _live_connections_told() -> None:
    """Before the command exits: its publisher has told the web processes to
    disconnect what ended (or given up, when Redis failed: then the next
    heartbeat of each connection ends it)."""
    events.drain(ENDING_SECONDS)


# The demo operator bin/run creates in development; its password is in the README on purpose.
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-operator"


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Development only: create the demo operator (all queues, Kazakh and Russian) unless it exists."""
    mode = os.environ.get("HOTLINE_ENV", "development")
    if mode not in ("development", "testing"):
        raise click.ClickException(f"seed-demo is for development only, not {mode}")
    try:
        users.user_named(DEMO_USERNAME)
    except users.UnknownUser:
        users.create_user(
            DEMO_USERNAME,
            Role.OPERATOR,
            DEMO_PASSWORD,
            queues=[queue.value for queue in QueueName],
            languages=["kk", "ru"],
        )
        click.echo(f"created the demo operator {DEMO_USERNAME}")
    else:
        click.echo(f"the demo operator {DEMO_USERNAME} exists already")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then stop.")
def worker(burst: bool) -> None:
    """Run an RQ worker with its scheduler, inside the app so jobs have its context."""
    from workers.worker import HotlineWorker

    queue = _queue_once_redis_answers()
    HotlineWorker([queue.name], connection=queue.connection).work(with_scheduler=True, burst=burst)


@click.command("dialler")
@with_appcontext
@click.option("--burst", is_flag=True, help="Place what is waiting, then stop.")
def dialler(burst: bool) -> None:
    """Place accepted callbacks' calls one at a time, at the outbound pacing."""
    from flask import current_app

    from workers.worker import HotlineDialler

    queue = _queue_once_redis_answers()
    dialling = current_app.extensions["dialling"]
    HotlineDialler([dialling.name], connection=queue.connection).work(burst=burst)


@click.command("cron")
@with_appcontext
def cron() -> None:
    """Enqueue the periodic jobs (workers/schedule.py) when due; a worker runs them."""
    from workers import schedule
    from workers.quiet import QuietCron

    queue = _queue_once_redis_answers()
    scheduler = QuietCron(connection=queue.connection)
    schedule.register(scheduler, queue.name, current_app.config["HOTLINE_TIMEZONE"])
    scheduler.start()


def _queue_once_redis_answers() -> Queue:
    """The app's RQ queue, once Redis answers: started beside Redis (Procfile.dev),
    it may take a few seconds to listen."""
    from flask import current_app

    from hotline.core import embedded_redis

    embedded_redis.wait_until_ready(current_app.config["REDIS_URL"])
    return current_app.extensions["rq"]


@click.group("stats")
def stats() -> None:
    """The supervisors' rollups (docs/metrics.md): rebuild them, or verify them, from the raw rows."""


@stats.command("rebuild")
@with_appcontext
def stats_rebuild() -> None:
    """Write the rollups afresh from every call and case."""
    click.echo(f"rebuilt the rollups: {rebuild.rebuild()} row(s)")


@stats.command("verify")
@with_appcontext
def stats_verify() -> None:
    """Compare the rollups with the raw rows; exit 1, listing each difference, when they disagree."""
    differences = rebuild.verify()
    for difference in differences:
        click.echo(str(difference))
    if differences:
        raise click.exceptions.Exit(1)
    click.echo("the rollups agree with the raw rows")


@click.command("export-person")
@with_appcontext
@click.option("--case", "reference", required=True, help="A case of the person (its reference, HL-…).")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="The file to write (default: stdout)."
)
@click.option("--actor", help="Who asks, for the audit log (default: the OS user).")
def export_person(reference: str, out: str | None, actor: str | None) -> None:
    """One person's data as JSON (UTF-8), for a subject-access request; audited
    (person.exported: the actor and the case). An unknown case exits 2.

    \b
    Keys (stable; docs: hotline/cases/export.py):
      format, exported_at, case,
      caller {id, number (in full), language, created_at},
      cases [{the case's columns, calls, notes, referrals [{..., moves}],
              callbacks [{..., number, attempts}], risk_alerts,
              emergency_actions, blocks}], oldest first,
      passport {its fields, versions} or null, plan_steps.
    Each record holds its table's columns by name; times ISO 8601 in UTC.
    """
    try:
        data = export.export(reference, current_app.extensions["phone_vault"], actor or getpass.getuser())
    except UnknownCase:
        click.echo(f"no case has the reference {reference}", err=True)
        raise click.exceptions.Exit(2) from None
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if out:
        with open(out, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        click.echo(text, nl=False)
