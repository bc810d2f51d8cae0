"""WSGI entry point: ``gunicorn shuzhi.wsgi:app``."""

from shuzhi import create_app

app = create_app()
