"""Callbacks: a caller's request to be called back, and the callback service."""
