"""Hotline: a helpline's phone line, cases and callbacks."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as settings
from hotline import cli, doctor, events, models
from hotline.accounts import auth, locale
from hotline.callbacks.policy import CallbackPolicy
from hotline.console import sockets
from hotline.core import sqlite, wal  # noqa: F401  (sqlite: its listener tunes every connection)
from hotline.core.phones import PhoneVault
from hotline.extensions import db, init_limiter, init_redis, init_socketio, login_manager, migrate
from hotline.web import bodies, errors, limits
from hotline.web import security as web_security

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: settings.Config | dict | None = None) -> Flask:
    """Assemble the app. `config` is a settings object, a dict of overrides on
    the HOTLINE_ENV settings (for tests), or None for HOTLINE_ENV alone."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    if isinstance(config, settings.Config):
        app.config.from_object(config)
    else:
        try:
            app.config.from_object(settings.load())
        except (RuntimeError, ValueError) as refused:
            if not doctor.finding_a_command():
                raise
            return doctor.refused_app(refused)
        app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    wal.start_checkpointer(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        render_item=models.render_migration_type,
    )
    login_manager.init_app(app)
    init_redis(app)
    app.extensions["phone_vault"] = PhoneVault.from_config(app.config)
    app.extensions["callback_policy"] = CallbackPolicy.from_config(app.config)
    init_socketio(app, events.listening_manager(app.config["REDIS_URL"]))
    events.init_app(app)
    sockets.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    limits.init_app(app)
    bodies.init_app(app)
    web_security.init_app(app)
    init_limiter(app)
    locale.init_app(app)
    cli.init_app(app)

    from hotline.accounts import bp as accounts_bp
    from hotline.admin import bp as admin_bp
    from hotline.api import bp as api_bp
    from hotline.auditpage import bp as auditpage_bp
    from hotline.casepage import bp as casepage_bp
    from hotline.console import bp as console_bp
    from hotline.public import bp as public_bp
    from hotline.wallboard import bp as wallboard_bp
    from hotline.web import health
    from telephony import init_app as init_telephony

    app.register_blueprint(health.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(casepage_bp)
    app.register_blueprint(auditpage_bp)
    app.register_blueprint(wallboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(public_bp)
    init_telephony(app)
    return app
