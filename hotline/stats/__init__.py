"""Supervisors' figures: queue, callback and case statistics."""
