"""RQ jobs and their wiring.

A job is a plain importable function of ids (or of nothing, for a periodic
sweep) that re-reads what it needs, returns quietly when there is nothing to
do, and lets errors worth retrying raise, so RQ's failed-job registry sees
them. Jobs run inside the app: `flask --app hotline worker` starts the RQ
worker with the app context pushed. Periodic work is registered in one place,
`workers.schedule`, and enqueued by `flask --app hotline cron`.
"""
