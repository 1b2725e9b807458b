"""Cases: the case service (opening one, attaching calls to it, its timeline)."""
