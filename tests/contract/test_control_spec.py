"""spec/control.yaml describes exactly the control routes the mock serves, and ships with the package."""

from __future__ import annotations

import tomllib
from pathlib import Path

from mockserver.contract.control_spec import bundle, load_control_spec
from mockserver.http.control_views import ROUTES

ROOT = Path(__file__).resolve().parents[2]


def test_every_control_route_is_an_operation_of_the_control_spec_and_back():
    spec = load_control_spec(ROOT / "spec" / "control.yaml")
    served = {name: (method, path) for name, (method, path, _view) in ROUTES.items()}
    described = {op.operation_id: (op.method, op.path) for op in spec.operations.values()}
    assert served == described


def test_tenant_endpoints_need_the_bearer_key_and_server_wide_ones_do_not():
    spec = load_control_spec(ROOT / "spec" / "control.yaml")
    for op_id, op in spec.operations.items():
        raw = spec.document["paths"][op.path][op.method.lower()]
        assert (raw.get("security") == [{"bearerAuth": []}]) == op_id.startswith("admin_tenant_"), op_id


def test_the_bundle_is_self_contained():
    spec = load_control_spec(ROOT / "spec" / "control.yaml")
    refs: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            refs.extend(value for key, value in node.items() if key == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(spec.document)
    assert refs
    assert all(ref.startswith("#/") for ref in refs)
    assert "TenantState" in spec.document["components"]["schemas"]


def test_bundle_rewrites_references_inside_copied_schemas(tmp_path):
    (tmp_path / "other.json").write_text(
        '{"$defs": {"A": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/A"}}}'
    )
    bundled = bundle(
        {"paths": {}, "components": {"schemas": {"X": {"$ref": "other.json"}}}}, tmp_path / "main.yaml"
    )
    schemas = bundled["components"]["schemas"]
    assert schemas["X"] == {"$ref": "#/components/schemas/Other"}
    assert schemas["Other"]["properties"]["a"] == {"$ref": "#/components/schemas/Other_A"}
    assert schemas["Other_A"] == {"type": "string"}


def test_the_wheel_ships_the_control_spec_and_the_state_schema():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["spec/control.yaml"] == "mockserver/control.yaml"
    assert shipped["spec/tenant-state.schema.json"] == "mockserver/tenant-state.schema.json"
    assert shipped["spec/openapi.yaml"] == "mockserver/openapi.yaml"  # control.yaml refers to it
