"""The web's outer layer: security headers, body limits, error pages, the health check."""
