"""The OpenAPI schema as exact as a generated client needs it (drf-spectacular's AutoSchema).

Every operation documents, beside its own answers, the errors the edge can give, with bodies:
- 400 `{field: [message]}` (ValidationError) or `{detail, code}` (Error): any operation;
- 401 when the view authenticates, 403 when it checks roles, 404 when the path names an object
  (or the list is paginated: a page past the end);
- 409 for state conflicts on writes, 415 for a body in another content type, 422 for an
  `Idempotency-Key` reused with another body, 429 when the view is throttled (`ThrottledError`,
  or `oneOf` it and the view's usage-limit error, told apart by `code`), 503 for outages.
Headers: `Idempotency-Key` is a parameter of every create (views decorated with `@idempotent`),
whose 2xx answers may carry `Idempotent-Replayed: true`; 429s carry `Retry-After`; usage-limited
views carry `RateLimit-Limit/Remaining/Reset`; 202s carry `Location` (where to poll).

Output components mark required every field DRF always writes (all of a ModelSerializer's, and a
plain serializer's unless optional without default or null); operations that need no
authentication get an explicit empty `security`.
"""
from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework.fields import empty
from rest_framework import serializers
from rest_framework.permissions import AllowAny

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    code = serializers.CharField(help_text="Which rule refused the request, for a program.")


class ThrottledErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["throttled"])


def error_responses(*codes: int, **descriptions: str) -> dict:
    """Error answers an operation names in its extend_schema, with its own wording where given
    (`_409="..."`): the bodies are the contract's shapes, filled in by PostloomAutoSchema (400 field
    errors or `{detail, code}`, the others `{detail, code}`), as for the errors it adds itself."""
    return {
        code: OpenApiResponse(description=descriptions.get(f"_{code}", DESCRIPTIONS[str(code)]))
        for code in codes
    }


_SCHEMAS: dict[str, dict[str, Any]] = {
    "ValidationError": {
        "type": "object",
        "description": "Input refused field by field: each field's messages; nested input nests (by key or index). "
        "Errors that concern no single field are under `non_field_errors`.",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": True}]}},
                {"type": "object", "additionalProperties": True},
            ]
        },
        "example": {"scheduled_time": ["The scheduled time must be in the future."]},
    },
}

DESCRIPTIONS = {
    "400": "Invalid input: `{field: [message, ...]}` per field, or `{detail, code}` for the request as a whole.",
    "401": "No access token, or an invalid or expired one (`code`: `not_authenticated`, `token_not_valid`).",
    "403": "Your role in the organization does not allow this (`permission_denied`).",
    "404": "No such object among your organizations' (or no such page).",
    "409": "The object's current state does not allow this (`code` names the rule, e.g. `invalid_transition`).",
    "415": "The body's content type is not the one documented for this operation.",
    "422": "This `Idempotency-Key` was already used with a different request (`idempotency_key_reused`).",
    "429": "Too many requests in a short time (`throttled`); wait `Retry-After` seconds.",
    "503": "A service Postloom needs is unavailable for the moment; try again later.",
}

RETRY_AFTER = {"schema": {"type": "integer", "minimum": 0}, "description": "Seconds to wait before trying again."}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"schema": {"type": "integer", "minimum": 0}, "description": "Units of the plan in this period."},
    "RateLimit-Remaining": {"schema": {"type": "integer", "minimum": 0}, "description": "Units left in this period."},
    "RateLimit-Reset": {"schema": {"type": "integer", "minimum": 0}, "description": "Seconds until the period resets."},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
    }
}
LOCATION = {
    "Location": {"schema": {"type": "string", "format": "uri-reference"}, "description": "Where to follow the work's progress."}
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique string (e.g. a UUID). The same key from the same user within 24 h returns the first "
    "answer and creates nothing new; the same key with a different body is a 422.",
}

ACTION_SUMMARIES = {
    "list": "List {plural}",
    "retrieve": "{Article} {singular}",
    "create": "Create {article} {singular}",
    "update": "Replace {article} {singular}",
    "partial_update": "Update {article} {singular}",
    "destroy": "Delete {article} {singular}",
}


class PostloomAutoSchema(AutoSchema):
    # --- summaries -------------------------------------------------------------------------
    def get_summary(self):
        explicit = super().get_summary()
        if explicit:
            return explicit
        handler = self._handler()
        doc = (getattr(handler, "__doc__", None) or "").strip()
        if doc and not getattr(self.view, "action", None) in ACTION_SUMMARIES:
            return doc.splitlines()[0].rstrip(".")
        action = getattr(self.view, "action", None)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        singular = str(model._meta.verbose_name) if model else "resource"
        plural = str(model._meta.verbose_name_plural) if model else "resources"
        if action in ACTION_SUMMARIES:
            article = "an" if singular[:1].lower() in "aeiou" else "a"
            return ACTION_SUMMARIES[action].format(singular=singular, plural=plural, article=article, Article=capfirst(article))
        if action:
            return f"{capfirst(action.replace('_', ' '))} ({singular})"
        view_doc = (type(self.view).__doc__ or "").strip()
        if view_doc:
            return view_doc.splitlines()[0].rstrip(".")
        return capfirst(type(self.view).__name__.removesuffix("View"))

    def _handler(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action, None) if action else getattr(self.view, self.method.lower(), None)

    # --- output fields: required where always present --------------------------------------
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "response":
            return schema
        serializer = force_instance(serializer)
        model_backed = isinstance(serializer, serializers.ModelSerializer)
        required = [
            name for name, field in serializer.fields.items()
            if name in schema.get("properties", {}) and (model_backed or _always_present(field))
        ]
        if required:
            schema["required"] = required
        return schema

    # --- components ------------------------------------------------------------------------
    def _raw_component(self, name: str) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=_SCHEMAS[name], object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def _serializer_ref(self, serializer) -> dict:
        return self.resolve_serializer(serializer, "response").ref

    def _response(self, code: str, schema: dict, *, headers: dict | None = None, description: str | None = None) -> dict:
        media_types = self.map_renderers("media_type")
        response = {"description": description or DESCRIPTIONS[code], "content": {media: {"schema": schema} for media in media_types}}
        if headers:
            response["headers"] = headers
        return response

    # --- the operation ---------------------------------------------------------------------
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        error = self._serializer_ref(ErrorOutput)
        handler = self._handler()
        idempotent = bool(getattr(handler, "postloom_idempotent", False))
        authenticated = bool(getattr(self.view, "authentication_classes", None))
        checks_roles = any(not issubclass(p, AllowAny) for p in getattr(self.view, "permission_classes", []))
        throttled = bool(getattr(self.view, "throttle_classes", None))
        usage_error = getattr(self.view, "usage_limit_error", None)

        wanted: dict[str, dict] = {"400": {"oneOf": [error, self._raw_component("ValidationError")]}}
        if authenticated:
            wanted["401"] = error
        if checks_roles:
            wanted["403"] = error
        if "{" in path or self._is_paginated(operation):
            wanted["404"] = error
        if self.method in UNSAFE and checks_roles:
            wanted["409"] = error
        if "requestBody" in operation:
            wanted["415"] = error
        if idempotent:
            wanted["422"] = error
        wanted["503"] = error
        for code, schema in wanted.items():
            if code not in responses:
                responses[code] = self._response(code, schema)
        for code, response in list(responses.items()):
            # An error the view names itself (error_responses) gets the contract's body.
            if code[0] in "45" and not response.get("content"):
                responses[code] = self._response(code, wanted.get(code, error), description=response.get("description"))
        own_400 = [media["schema"] for media in responses["400"]["content"].values()][0]
        if own_400 != wanted["400"]:
            # A view's own 400 body (an import's report) is one more shape beside the field errors
            # and `{detail, code}` any input can still give.
            responses["400"] = self._response(
                "400", {"oneOf": [own_400, *wanted["400"]["oneOf"]]}, description=responses["400"].get("description"),
            )

        if throttled or usage_error:
            self._add_429(responses, throttled=throttled, usage_error=usage_error)
        if idempotent:
            operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            if idempotent and code.startswith("2"):
                headers.update(REPLAYED)
            if usage_error and code.startswith("2"):
                headers.update(RATE_LIMIT_HEADERS)
            if code == "202":
                headers.update(LOCATION)
            if not headers:
                del response["headers"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _add_429(self, responses: dict, *, throttled: bool, usage_error) -> None:
        throttle_ref = self._serializer_ref(ThrottledErrorOutput)
        headers = {"Retry-After": RETRY_AFTER}
        if usage_error is None:
            responses["429"] = self._response("429", throttle_ref, headers=headers)
            return
        usage_ref = self._serializer_ref(usage_error)
        usage_name = usage_ref["$ref"].rsplit("/", 1)[-1]
        throttle_name = throttle_ref["$ref"].rsplit("/", 1)[-1]
        options = [usage_ref] + ([throttle_ref] if throttled else [])
        mapping = {"usage_limit_exceeded": usage_ref["$ref"]}
        if throttled:
            mapping["throttled"] = throttle_ref["$ref"]
        schema = {"oneOf": options, "discriminator": {"propertyName": "code", "mapping": mapping}}
        description = (
            f"The plan's monthly limit is used up (`usage_limit_exceeded`, {usage_name}, with `RateLimit-*` headers)"
            + (f", or too many requests in a short time (`throttled`, {throttle_name})" if throttled else "")
            + "; wait `Retry-After` seconds."
        )
        responses["429"] = self._response(
            "429", schema, headers={**headers, **{k: dict(v, required=False) for k, v in RATE_LIMIT_HEADERS.items()}},
            description=description,
        )

    def _is_paginated(self, operation) -> bool:
        return any(p.get("name") == "page" and p.get("in") == "query" for p in operation.get("parameters", []))


def _always_present(field) -> bool:
    """DRF leaves an output key out only when the value is missing and the field is optional,
    without a default and not nullable (`Field.get_attribute`)."""
    if isinstance(field, serializers.SerializerMethodField):
        return True
    return field.required or field.default is not empty or field.allow_null


def postprocess(result, generator, request, public):
    """Operations that need no authentication say so (`security: []`)."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            operation.setdefault("security", [])
    return result
