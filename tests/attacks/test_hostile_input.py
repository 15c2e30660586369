"""An attacker's playbook against every write operation (and every query parameter) of the live schema.

For each operation, as the owner of organization A (the most any caller can do), each field of its
request body is replaced by each hostile value below, and the whole body by hostile shapes (deep
nesting, a huge body, the wrong JSON type). Every answer must be below 500; every refused request
must leave every table as it was (nothing half-saved); and afterwards every list still reads
(no row was stored that a later read cannot serve). The same suite runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import json

import pytest
from django.apps import apps

from .world import BODIES, MULTIPART, QUERIES, build_world, client_as, path_id, schema_operations

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
# Raw JSON text of each hostile value (some, like lone surrogates, only exist as JSON escapes).
HOSTILE_VALUES = {
    "deep_list": "[" * 100 + "]" * 100,
    "deep_object": '{"a":' * 100 + "1" + "}" * 100,
    "date_overflow_high": '"9999-12-31T23:59:59-14:00"',
    "date_overflow_low": '"0001-01-01T00:00:00+14:00"',
    "date_naive_9999": '"9999-12-31T23:59:59"',
    "lone_surrogate": '"\\udfff"',
    "surrogate_key": '{"\\ud800": 1}',
    "nul": '"a\\u0000b"',
    "nul_in_object": '{"k": "\\u0000"}',
    "bidi": '"\\u202egpj.exe"',
    "huge_int": "1" + "0" * 30,
    "negative": "-1",
    "float_inf_like": "1e309",
    "nan_text": '"NaN"',
    "true": "true",
    "null": "null",
    "empty_string": '""',
    "empty_list": "[]",
    "empty_object": "{}",
    "long_string": json.dumps("x" * 100_000),
    "long_list": "[" + ",".join(["1"] * 50_000) + "]",
    "id_23_digits": "9" * 23,
    "fullwidth_digits": '"\\uff11\\uff12"',
}
WHOLE_BODIES = {
    "deep_5000": DEEP,
    "list_body": "[1, 2]",
    "scalar_body": '"x"',
    "null_body": "null",
    "not_json": "{'a': 1",
    "truncated": '{"a": ',
    "huge_body": json.dumps({"caption": "x" * (3 * 1024 * 1024)}),
    "nan": '{"a": NaN}',
}
HOSTILE_PATH_VALUES = ["9" * 23, "0", "-1", "%EF%BC%91", "1e3", "%F0%9F%98%80", "..%2F..%2Fetc", "%2500"]


def _model_counts() -> dict[str, int]:
    """Rows in every table, in one query."""
    from django.db import connection

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row)}


def _schema(client) -> dict:
    return json.loads(client.get("/api/schema/", {"format": "json"}).content)


def _body_fields(schema: dict, method: str, template: str) -> list[str]:
    operation = schema["paths"][template][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json") or content.get("multipart/form-data") or {}
    ref = media.get("schema", {}).get("$ref", "")
    component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
    return sorted(component.get("properties", {}))


def _query_params(schema: dict, template: str) -> list[str]:
    operation = schema["paths"][template]["get"]
    return [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]


def _valid_body_text(key, world, user) -> str:
    body = BODIES[key](world, user) if key in BODIES else {}
    return json.dumps({k: v for k, v in body.items() if not hasattr(v, "read")})


def _with_field(body_text: str, field: str, raw_value: str) -> str:
    """The body with `field` set to a raw JSON value (inserted as text: some values exist only as escapes)."""
    body = json.loads(body_text)
    body.pop(field, None)
    rest = json.dumps(body)[1:-1]
    return "{" + json.dumps(field) + ": " + raw_value + (", " + rest if rest else "") + "}"


def _write_operations():
    from rest_framework.test import APIClient

    return [op for op in schema_operations(APIClient()) if op[0] != "GET"]


class Probe:
    def __init__(self, world, client):
        self.world, self.client, self.cases = world, client, 0
        client.raise_request_exception = False  # a crash is reported as its 500, with the case that caused it

    def send(self, method, path, *, data=None, content_type="application/json", label=""):
        before = _model_counts()
        if data is None:
            response = getattr(self.client, method.lower())(path)
        else:
            response = self.client.generic(method, path, data=data, content_type=content_type)
        self.cases += 1
        assert response.status_code < 500, (label, method, path, response.status_code, response.content[:300])
        if response.status_code >= 400:
            after = _model_counts()
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, (label, method, path, response.status_code, "half-saved", changed)
        return response


def _lists_still_read(client):
    for path in ("/api/schedule/", "/api/social/accounts/", "/api/media/", "/api/organizations/",
                 "/api/social/sandbox/publications/", "/api/auth/me/", "/api/series/", "/api/webhooks/"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        response.content.decode("utf-8")


def pytest_generate_tests(metafunc):
    if "write_operation" in metafunc.fixturenames:
        ops = _WRITE_OPS
        metafunc.parametrize("write_operation", ops, ids=[f"{m} {p}" for m, p in ops])


# The schema is read once at collection (Django is set up by then); the matrix test fails
# separately if it cannot be read.
try:
    import django

    django.setup()
    _WRITE_OPS = _write_operations()
except Exception:  # pragma: no cover - reported by test_isolation_matrix
    _WRITE_OPS = []


def test_hostile_bodies_on_every_write_operation(write_operation, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    method, template = write_operation
    world = build_world()
    owner = world.users["owner"]
    client = client_as(owner)
    schema = _schema(client)
    probe = Probe(world, client)
    path = template.format(**path_id(template, world))
    key = (method, template)
    fields = _body_fields(schema, method, template)
    content_type = "application/json"
    for label, raw in WHOLE_BODIES.items():
        probe.send(method, path, data=raw, content_type=content_type, label=label)
    for field in fields:
        for label, raw in HOSTILE_VALUES.items():
            if key in MULTIPART:
                # a form cannot carry JSON types: send the value's text as the field
                text = json.loads(raw) if raw.startswith('"') and "\\u" not in raw else raw
                from django.test.client import encode_multipart

                body = encode_multipart("BoUnDaRy", {field: str(text)[:100_000]})
                probe.send(method, path, data=body, content_type="multipart/form-data; boundary=BoUnDaRy", label=f"{field}={label}")
            else:
                body = _with_field(_valid_body_text(key, world, owner), field, raw)
                probe.send(method, path, data=body, content_type=content_type, label=f"{field}={label}")
    # hostile path parameters
    if "{" in template:
        for value in HOSTILE_PATH_VALUES:
            params = {name: value for name in path_id(template, world)}
            probe.send(method, template.format(**params), data=_valid_body_text(key, world, owner), label=f"path={value}")
    _lists_still_read(client)
    assert probe.cases >= len(WHOLE_BODIES)


def test_hostile_query_parameters_on_every_read_operation(anon, settings):
    world = build_world()
    client = client_as(world.users["owner"])
    schema = _schema(client)
    probe = Probe(world, client)
    for path_template, item in schema["paths"].items():
        if "get" not in item or path_template.startswith("/api/schema"):
            continue
        params = dict(path_id(path_template, world))
        path = path_template.format(**params)
        base = QUERIES[("GET", path_template)](world) if ("GET", path_template) in QUERIES else {}
        for name in _query_params(schema, path_template):
            for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9" * 23, "-1", "\udfff", "a\x00b",
                          "\u202e", "[[[[", "1e309", "NaN", "", "x" * 5000, "x" * 60_000, "１"):
                from urllib.parse import urlencode

                query = urlencode({**base, name: value}, encoding="utf-8", errors="surrogatepass")
                probe.send("GET", f"{path}?{query}", label=f"{path_template}?{name}")
    _lists_still_read(client)
    assert probe.cases > 100
