"""SQLite's WAL checkpoints, off the request path of the gevent web process.

SQLite copies the write-ahead log back into the database (a checkpoint: the pages,
then an fsync) inside the commit that takes the log past 1,000 pages. Under
gunicorn's gevent worker that commit is C code on the one thread every request
shares, so each checkpoint stops every request in flight for as long as the copy
and the fsync take. A webhook that writes scattered index pages (a call's CallSid,
a caller's number hash, a case) passes 1,000 pages every 50–130 commits; the
bench's one-insert reference, which rewrites the same few pages, every 500 or more,
and its checkpoints have little to copy. That is the profile's finding
(bench/README.md: "Why the webhooks' p99 was 10× the reference's").

In the gevent web process the commits no longer checkpoint (but past
FALLBACK_PAGES, so a stalled checkpointer never lets the log grow without bound):
a real OS thread, beside the gevent hub, runs a PASSIVE checkpoint every
INTERVAL_SECONDS on its own connection. sqlite3 releases the GIL while it copies
and syncs, so the greenlets go on serving meanwhile; PASSIVE never waits for, nor
blocks, a reader or a writer. Other processes (the flask CLI, the RQ worker, tests)
keep SQLite's own checkpoints: a commit there blocks only its own thread.

The log file starts over only when a checkpoint has copied all of it and no reader
still uses it, so under writes that never pause it grows (to FALLBACK_PAGES at
most; SQLite reuses the file, it does not shrink it); at a helpline's rates the
gaps between webhooks let it start over.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask
from sqlalchemy import make_url

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.2
FALLBACK_PAGES = 10_000  # a commit checkpoints only past this many pages of log (40 MB)
RESTART_PAGES = 1_000  # past this, a log copied back in full is started over (`checkpoint`)


def cooperative() -> bool:
    """True in the gevent web process (gunicorn's worker patches sockets first)."""
    from gevent import monkey

    return monkey.is_module_patched("socket")


def tune_connection(dbapi_connection: sqlite3.Connection) -> None:
    """Commits in the gevent web process leave the checkpoints to `start_checkpointer`."""
    if cooperative():
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")


def database_path(app: Flask) -> str | None:
    """The SQLite file the app writes, or None (another database, or in memory)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def start_checkpointer(app: Flask) -> bool:
    """In the gevent web process on SQLite, start the thread that checkpoints; True if started."""
    path = database_path(app)
    if path is None or not cooperative():
        return False
    from gevent import monkey

    start_thread = monkey.get_original("_thread", "start_new_thread")
    sleep = monkey.get_original("time", "sleep")
    start_thread(checkpoint_forever, (path, sleep))
    return True


def checkpoint(connection: sqlite3.Connection) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (1 if it could not finish, pages in the log, pages copied).

    A log copied back in full past RESTART_PAGES is then restarted, if it can be
    at once: under steady load some request is always reading, so the next
    writer never finds the log unused and starts it over, and it would grow to
    FALLBACK_PAGES, where every commit checkpoints inside the event loop. A
    RESTART waits for readers and holds writers off meanwhile, so it gets no
    wait (the connection's busy timeout is 0): it succeeds in a moment with no
    reader, or gives up at once and is tried again next time.
    """
    busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    if not busy and logged > RESTART_PAGES and copied == logged:
        busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
    return busy, logged, copied


def connect(path: str) -> sqlite3.Connection:
    """The checkpointer's connection. No busy timeout: a checkpoint that cannot
    go on at once gives up, rather than hold the webhooks' writes off while it waits."""
    return sqlite3.connect(path, check_same_thread=False, timeout=0)


def checkpoint_forever(path: str, sleep, interval: float = INTERVAL_SECONDS) -> None:
    """The checkpointer's loop, in its own OS thread; a failure is logged once until it clears."""
    connection = connect(path)
    failing = False
    while True:
        sleep(interval)
        try:
            checkpoint(connection)
        except sqlite3.Error as error:
            if not failing:
                log.warning("WAL checkpoint failed (%s); retrying every %g s", type(error).__name__, interval)
            failing = True
            continue
        if failing:
            log.info("WAL checkpoints work again")
        failing = False
