"""Operators at work.

Presence, offers of waiting callers (`offers`, `offer_endings`), taking a
caller (`taking`), the operator's leg of the call (`legs`), wrap-up and the
taxonomy it records.
"""
