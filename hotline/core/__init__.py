"""Helpers every part of the hotline uses and that know none of its records.

The database's transactions (dialect insert, retry on conflict, savepoint),
ASCII-only parsing, phone numbers (normalising, encrypting, masking), working
hours, and the embedded redis-server of the one-command setup.
"""
