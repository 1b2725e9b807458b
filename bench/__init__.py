"""Benchmarks. Not part of the app: nothing under hotline/, telephony/ or workers/ imports this."""
