"""Fixtures of the tests that meet the API as its clients do: a migrated database cloned per
server, and live gunicorn servers (see live.py)."""
from __future__ import annotations

import pytest

from .live import REPORTED, Database, LiveServer, start_server


@pytest.fixture(scope="session")
def live_database(tmp_path_factory) -> Database:
    database = Database(tmp_path_factory.mktemp("live-db"))
    database.prepare()
    yield database
    database.drop_all()


@pytest.fixture(scope="session")
def live_workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="module")
def api_server(live_database, live_workdir, request) -> LiveServer:
    """One server per test module, with the module's `LIVE_SERVER_ENV` settings."""
    env = getattr(request.module, "LIVE_SERVER_ENV", {})
    server = start_server(live_database, live_workdir, name=request.module.__name__.rsplit(".", 1)[-1], env=env)
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter):
    if REPORTED:
        terminalreporter.section("clients: figures")
        for line in REPORTED:
            terminalreporter.write_line(line)
