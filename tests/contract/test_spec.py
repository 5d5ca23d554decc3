"""The hand-written spec itself: valid, complete, self-consistent, and faithful to the reference."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
REGISTRY: Registry[Any] = Registry().with_resource("urn:spec", Resource(SPEC, specification=DRAFT202012))
HTTP_METHODS = {"get", "post", "put", "delete", "patch", "head", "options"}

# The "All capabilities" index of the API reference (../shared/seed/000_6fd0667f90cc85a3.txt), verbatim.
REFERENCE_OPERATIONS = {
    "errors.bulk": ("POST", "/v1/errors/bulk"),
    "errors.capture": ("POST", "/v1/errors/capture"),
    "errors.delete": ("DELETE", "/v1/errors/delete/{error_group_id}"),
    "errors.events": ("GET", "/v1/errors/events/{error_group_id}"),
    "errors.export": ("POST", "/v1/errors/export"),
    "errors.get": ("GET", "/v1/errors/get/{event_id}"),
    "errors.group_detail": ("GET", "/v1/errors/group_detail/{error_group_id}"),
    "errors.groups": ("GET", "/v1/errors/groups"),
    "errors.ignore": ("POST", "/v1/errors/ignore/{error_group_id}"),
    "errors.list": ("GET", "/v1/errors/list"),
    "errors.message": ("POST", "/v1/errors/message"),
    "errors.resolve": ("POST", "/v1/errors/resolve/{error_group_id}"),
    "errors.retention.get": ("GET", "/v1/errors/retention/get"),
    "errors.retention.set": ("PUT", "/v1/errors/retention/set"),
    "errors.search": ("GET", "/v1/errors/search"),
    "errors.unresolve": ("POST", "/v1/errors/unresolve/{error_group_id}"),
}
# Return types the reference names without defining them: each must be a named component.
REFERENCE_RETURN_TYPES = {
    "CaptureResult",
    "ErrorEvent",
    "ErrorEventList",
    "ErrorGroup",
    "ErrorGroupList",
    "ErrorGroupDetail",
    "DeleteResult",
    "ErrorBulkResult",
    "ErrorExportResult",
    "Retention",
    "ErrorResponse",
}
ERRORS_EVERY_OPERATION = {"400", "401", "402", "429", "500", "502", "503", "504"}


def resolve(node: Any) -> Any:
    """Follow local `$ref`s until a concrete node is reached."""
    while isinstance(node, dict) and "$ref" in node:
        node = REGISTRY.resolver().lookup("urn:spec" + node["$ref"]).contents
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (METHOD, path, operation) for every operation in the spec."""
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, op


def walk(node: Any, pointer: str = "#") -> Iterator[tuple[str, Any]]:
    """Yield (json-pointer, node) for every dict and list in the document."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a spec schema; its `#/components/...` references resolve in the spec."""
    document = Resource({**SPEC, "x-under-test": schema}, specification=DRAFT202012)
    return Draft202012Validator(
        {"$ref": "urn:spec#/x-under-test"},
        registry=Registry().with_resource("urn:spec", document),
        format_checker=FormatChecker(),
    )


def examples_with_schemas() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Yield (location, schema, example value) for every example attached to a schema."""
    for pointer, node in walk(SPEC):
        if not isinstance(node, dict) or "schema" not in node:
            continue
        schema = node["schema"]
        if "example" in node:
            yield pointer, schema, node["example"]
        for name, example in (node.get("examples") or {}).items():
            yield f"{pointer}/examples/{name}", schema, resolve(example)["value"]
        content = node.get("content")
        if isinstance(content, dict):
            for media in content.values():
                yield from (
                    (pointer, media["schema"], resolve(e)["value"])
                    for e in media.get("examples", {}).values()
                )


class TestDocument:
    """The document as a whole."""

    def test_validates_against_the_openapi_31_metaschema(self) -> None:
        """openapi-spec-validator accepts the spec."""
        validate(SPEC)
        assert SPEC["openapi"].startswith("3.1")

    def test_every_ref_resolves(self) -> None:
        """Every `$ref` in the document points at an existing node."""
        refs = [node["$ref"] for _, node in walk(SPEC) if isinstance(node, dict) and "$ref" in node]
        assert len(refs) > 100
        for ref in refs:
            assert ref.startswith("#/"), f"only local references are used: {ref}"
            assert REGISTRY.resolver().lookup("urn:spec" + ref).contents is not None, ref

    def test_servers_name_the_live_base_and_a_local_mock(self) -> None:
        """The live service and a host/port-templated mock are both servers."""
        urls = [server["url"] for server in SPEC["servers"]]
        assert "https://api.infrai.cc" in urls
        local = next(s for s in SPEC["servers"] if "{port}" in s["url"])
        assert set(local["variables"]) == {"host", "port"}

    def test_bearer_auth_is_the_only_security_scheme(self) -> None:
        """Authorization is `Bearer <key>`, applied globally."""
        assert SPEC["components"]["securitySchemes"] == {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": SPEC["components"]["securitySchemes"]["bearerAuth"]["description"],
            }
        }
        assert SPEC["security"] == [{"bearerAuth": []}]


class TestOperations:
    """The 16 capabilities, exactly as the reference gives them."""

    def test_exactly_the_reference_operations(self) -> None:
        """Methods and paths are the reference's, one operation per capability."""
        found = {op["x-capability"]: (method, path) for method, path, op in operations()}
        assert found == REFERENCE_OPERATIONS
        assert len(list(operations())) == 16

    @pytest.mark.parametrize(("method", "path", "op"), list(operations()), ids=lambda v: str(v)[:40])
    def test_operation_id_is_the_capability_in_snake_case(
        self, method: str, path: str, op: dict[str, Any]
    ) -> None:
        """`errors.retention.get` is `errors_retention_get`; every operation is described in English."""
        assert op["operationId"] == op["x-capability"].replace(".", "_")
        assert op["summary"]
        assert op["description"]
        assert re.fullmatch(r"[\x20-\x7e\n]+", op["summary"] + op["description"]), "English (ASCII) text only"

    @pytest.mark.parametrize(("method", "path", "op"), list(operations()), ids=lambda v: str(v)[:40])
    def test_operation_declares_auth_and_its_error_responses(
        self, method: str, path: str, op: dict[str, Any]
    ) -> None:
        """Bearer auth and every error the operation can return, each with the ErrorResponse envelope."""
        assert op["security"] == [{"bearerAuth": []}]
        expected = set(ERRORS_EVERY_OPERATION)
        if "{" in path:
            expected.add("404")
        if "requestBody" in op:
            expected.add("413")
        errors = {status for status in op["responses"] if not status.startswith("2")}
        assert errors == expected
        for status in errors:
            response = resolve(op["responses"][status])
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
        assert "Retry-After" in resolve(op["responses"]["429"])["headers"]
        successes = [status for status in op["responses"] if status.startswith("2")]
        assert successes == ["200"]

    @pytest.mark.parametrize(("method", "path", "op"), list(operations()), ids=lambda v: str(v)[:40])
    def test_success_response_is_a_named_component(self, method: str, path: str, op: dict[str, Any]) -> None:
        """Every 200 body is one of the named return types, so generators produce named classes."""
        response = resolve(op["responses"]["200"])
        ref = response["content"]["application/json"]["schema"]["$ref"]
        assert ref.removeprefix("#/components/schemas/") in REFERENCE_RETURN_TYPES

    def test_links_target_real_operations_and_parameters(self) -> None:
        """Every link names an existing operation and parameters that operation has."""
        by_id = {op["operationId"]: op for _, _, op in operations()}
        links = 0
        for _, _, op in operations():
            for response in op["responses"].values():
                for link_or_ref in (resolve(response).get("links") or {}).values():
                    link = resolve(link_or_ref)
                    links += 1
                    target = by_id[link["operationId"]]
                    names = {resolve(p)["name"] for p in target.get("parameters", [])}
                    for name in link.get("parameters", {}):
                        assert name.split(".", 1)[-1] in names, (link["operationId"], name)
        assert links >= 30
        capture_links = {
            resolve(v)["operationId"] for v in by_id["errors_capture"]["responses"]["200"]["links"].values()
        }
        assert {
            "errors_get",
            "errors_group_detail",
            "errors_events",
            "errors_resolve",
            "errors_delete",
        } <= capture_links


class TestSchemas:
    """Named return types, reference fields and inferred decisions."""

    def test_every_reference_return_type_is_a_component(self) -> None:
        """The types the reference names but never defines are defined here."""
        assert set(SPEC["components"]["schemas"]) >= REFERENCE_RETURN_TYPES

    def test_reference_given_fields_stay_as_given(self) -> None:
        """Capture gives `{ok, error_id}`; retention its three documented fields."""
        schemas = SPEC["components"]["schemas"]
        assert {"ok", "error_id"} <= set(schemas["CaptureResult"]["required"])
        assert set(schemas["Retention"]["required"]) == {
            "days",
            "auto_export_before_cleanup",
            "export_destination",
        }
        assert "x-inferred" not in schemas["CaptureResult"]["properties"]["error_id"]

    def test_every_undefined_return_type_is_marked_inferred(self) -> None:
        """A schema the reference never defines carries `x-inferred: true`."""
        schemas = SPEC["components"]["schemas"]
        for name in REFERENCE_RETURN_TYPES - {"CaptureResult", "Retention"}:
            assert schemas[name].get("x-inferred") is True, name
        for name in ("CaptureRequest", "GroupActionRequest", "RetentionUpdate", "ErrorFilter"):
            assert schemas[name].get("x-inferred") is True, name
        for parameter in ("Cursor", "Limit", "IdempotencyKey"):
            assert SPEC["components"]["parameters"][parameter].get("x-inferred") is True, parameter
        inferred_capture = {
            k for k, v in schemas["CaptureResult"]["properties"].items() if v.get("x-inferred")
        }
        assert inferred_capture == {"error_group_id", "is_new_group", "duplicate"}

    def test_capture_accepts_both_reference_shapes_and_needs_one(self) -> None:
        """`message` OR `exception` is required; the other documented fields are optional."""
        capture = validator_for(SPEC["components"]["schemas"]["CaptureRequest"])
        assert capture.is_valid({"message": "boom", "code": "E1", "stack": "...", "tags": {"a": "b"}})
        assert capture.is_valid(
            {"exception": {"type": "ValueError", "message": "bad input"}, "level": "error"}
        )
        assert not capture.is_valid({"code": "E1"})
        assert not capture.is_valid({"message": "x", "tags": {"a": 1}})

    def test_capture_is_a_union_of_two_closed_models(self) -> None:
        """CaptureRequest is `oneOf` two closed objects; with both fields a body is a CaptureWithMessage."""
        schemas = SPEC["components"]["schemas"]
        assert schemas["CaptureRequest"]["oneOf"] == [
            {"$ref": "#/components/schemas/CaptureWithMessage"},
            {"$ref": "#/components/schemas/CaptureWithException"},
        ]
        with_message, with_exception = schemas["CaptureWithMessage"], schemas["CaptureWithException"]
        assert with_message["additionalProperties"] is False
        assert with_exception["additionalProperties"] is False
        assert with_message["required"] == ["message"]
        assert with_exception["required"] == ["exception"]
        assert set(with_message["properties"]) == set(with_exception["properties"]) | {"message"}
        capture = validator_for({"$ref": "#/components/schemas/CaptureRequest"})
        assert capture.is_valid({"message": "m", "exception": {"type": "T"}})  # message wins, as before

    def test_generator_friendly_shapes(self) -> None:
        """No patternProperties (key rules live in propertyNames); one named Substatus; typed details."""
        assert not [p for p, node in walk(SPEC) if isinstance(node, dict) and "patternProperties" in node]
        schemas = SPEC["components"]["schemas"]
        assert schemas["ErrorFilter"]["additionalProperties"] == {"$ref": "#/components/schemas/StringOrList"}
        assert schemas["Tags"]["additionalProperties"]["type"] == "string"
        assert schemas["Substatus"]["enum"] == ["new", "ongoing", "regressed", "archived_forever"]
        substatus = schemas["ErrorGroup"]["properties"]["substatus"]
        assert substatus["oneOf"] == [{"$ref": "#/components/schemas/Substatus"}, {"type": "null"}]
        details = schemas["ErrorDetails"]
        assert {"field", "rule", "resource", "id"} <= set(details["properties"])
        assert details["additionalProperties"] is True
        assert {"name", "url"} <= set(SPEC["info"]["contact"])
        assert SPEC["info"]["license"]["identifier"] == "MIT"

    def test_message_level_and_environment_are_the_reference_enums(self) -> None:
        """errors.message's enums are exactly the reference's."""
        schemas = SPEC["components"]["schemas"]
        assert schemas["Level"]["enum"] == ["debug", "info", "warning", "error", "fatal"]
        assert schemas["Environment"]["enum"] == ["production", "staging", "development"]
        assert schemas["MessageRequest"]["required"] == ["text"]

    def test_filter_is_json_in_one_query_parameter(self) -> None:
        """`filter` travels as URL-encoded JSON on list and search: a string whose content schema is
        ErrorFilter (generators handle a string; a `content:` parameter they drop), with the reason given."""
        parameter = SPEC["components"]["parameters"]["Filter"]
        assert parameter["in"] == "query"
        assert "content" not in parameter
        assert parameter["schema"] == {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/ErrorFilter"},
        }
        assert "generators" in parameter["description"]
        flt = validator_for(SPEC["components"]["schemas"]["ErrorFilter"])
        assert flt.is_valid(
            {"level": "error", "tags.env": ["prod", "staging"], "since": "2026-01-01T00:00:00Z"}
        )
        assert not flt.is_valid({"colour": "red"})
        assert not flt.is_valid({"level": []})

    def test_error_envelope_codes(self) -> None:
        """The one envelope carries the codes the API uses."""
        codes = SPEC["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["properties"]["code"][
            "enum"
        ]
        assert {"INVALID_REQUEST", "UNAUTHORIZED", "INSUFFICIENT_CREDIT", "NOT_FOUND"} <= set(codes)
        assert {"PAYLOAD_TOO_LARGE", "RATE_LIMITED", "INTERNAL"} <= set(codes)


class TestExamples:
    """Examples are documentation that must not lie."""

    def test_every_request_body_and_success_response_has_examples(self) -> None:
        """Each request body and each 200 response carries at least one example."""
        for method, path, op in operations():
            if "requestBody" in op:
                media = resolve(op["requestBody"])["content"]["application/json"]
                assert media.get("examples"), f"{method} {path} request"
            media = resolve(op["responses"]["200"])["content"]["application/json"]
            assert media.get("examples"), f"{method} {path} 200"

    @pytest.mark.parametrize(
        ("where", "schema", "value"),
        list(examples_with_schemas()),
        ids=lambda v: v if isinstance(v, str) else "",
    )
    def test_example_is_valid_against_its_schema(
        self, where: str, schema: dict[str, Any], value: Any
    ) -> None:
        """jsonschema (2020-12, with formats) accepts the example."""
        errors = sorted(validator_for(schema).iter_errors(value), key=str)
        assert not errors, f"{where}: {errors[0].message}"

    def test_examples_were_found(self) -> None:
        """The example walk sees every operation's examples (guards against a walker that finds nothing)."""
        assert len(list(examples_with_schemas())) >= 25

    def test_example_check_rejects_a_wrong_example(self) -> None:
        """The validator used above does reject a wrong value, formats and nested refs included."""
        event = resolve(SPEC["components"]["examples"]["ErrorEvent"])["value"]
        schema = {"$ref": "#/components/schemas/ErrorEvent"}
        assert validator_for(schema).is_valid(event)
        assert not validator_for(schema).is_valid({**event, "level": "loud"})
        assert not validator_for(schema).is_valid({**event, "timestamp": "yesterday"})
        assert not validator_for(schema).is_valid({k: v for k, v in event.items() if k != "fingerprint"})
