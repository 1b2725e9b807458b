"""The console bench's operators, made with the hotline's own `users.create_user`
(what `flask --app hotline create-user` runs), all in one process:

    python -m bench.operators COUNT PASSWORD     # with the bench's DATABASE_URL in the environment

Each serves every queue and speaks every language, so each console hears every
caller join and any of them may be offered any caller. Usernames: bench-op-01 …
"""

from __future__ import annotations

import subprocess
import sys

from bench.processes import ROOT
from hotline.models import QueueName, Role

PREFIX = "bench-op-"


def usernames(count: int) -> list[str]:
    return [f"{PREFIX}{number:02d}" for number in range(1, count + 1)]


def create(env: dict[str, str], count: int, password: str) -> list[str]:
    """Make `count` operators in the database `env` names; their usernames."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.operators", str(count), password],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"creating the operators failed:\n{completed.stdout}\n{completed.stderr}")
    return usernames(count)


def _main(count: int, password: str) -> None:
    from hotline import create_app
    from hotline.accounts import users

    app = create_app()
    with app.app_context():
        for username in usernames(count):
            users.create_user(
                username,
                Role.OPERATOR,
                password,
                queues=[queue.value for queue in QueueName],
                languages=users.LANGUAGES,
            )


if __name__ == "__main__":
    _main(int(sys.argv[1]), sys.argv[2])
