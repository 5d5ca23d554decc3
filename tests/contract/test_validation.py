"""The spec table, JSON decoding, and the fast schema check agreeing with jsonschema."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from http_support import SPEC_PATH
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.contract.alternatives import MAX_ERRORS_PER_ALTERNATIVE
from mockserver.contract.ecma import translate, translate_document
from mockserver.contract.fastcheck import SchemaCompiler, Uncompilable
from mockserver.contract.spec import default_spec_path, load_spec
from mockserver.contract.validation import MAX_JSON_DEPTH, Validators, decode_json
from mockserver.store import InvalidInput

SPEC = load_spec(SPEC_PATH)
VALIDATORS = Validators(SPEC)


class TestSpecTable:
    def test_sixteen_operations_with_capabilities(self) -> None:
        """The table holds the 16 operations, each with its x-capability."""
        assert len(SPEC.operations) == 16
        assert {op.capability for op in SPEC.operations.values()} >= {
            "errors.capture",
            "errors.retention.set",
        }

    def test_parameters_are_resolved(self) -> None:
        """`$ref`ed parameters carry their name, location, type, default and JSON-ness."""
        params = {param.name: param for param in SPEC.operations["errors_list"].parameters}
        assert params["limit"].type == "integer"
        assert params["limit"].default == 50
        assert params["filter"].json_content is True
        assert params["filter"].location == "query"

    def test_responses_know_required_headers(self) -> None:
        """The 429 response requires Retry-After."""
        assert SPEC.operations["errors_list"].responses[429].required_headers == ("Retry-After",)

    def test_optional_and_required_bodies(self) -> None:
        """Group actions and export have optional bodies; capture's is required; GETs have none."""
        operations = SPEC.operations
        assert operations["errors_resolve"].body is not None
        assert operations["errors_resolve"].body.required is False
        assert operations["errors_export"].body is not None
        assert operations["errors_export"].body.required is False
        assert operations["errors_capture"].body is not None
        assert operations["errors_capture"].body.required is True
        assert operations["errors_list"].body is None

    def test_source_tree_spec_is_the_default(self) -> None:
        """Without a packaged copy, the source tree's spec is used."""
        assert default_spec_path() == SPEC_PATH


class TestDecodeJson:
    @pytest.mark.parametrize(
        ("raw", "rule"),
        [
            (b"\xff", "encoding"),
            (b"{", "json"),
            (b"[NaN]", "json"),
            (b"[1e999]", "json"),
            (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "depth"),
            (b"[" * 50_000 + b"]" * 50_000, "depth"),
        ],
    )
    def test_rejections_name_the_rule(self, raw: bytes, rule: str) -> None:
        """Each kind of undecodable input has its own rule."""
        with pytest.raises(InvalidInput) as caught:
            decode_json(raw, "body")
        assert caught.value.rule == rule

    def test_integral_numbers_are_integers(self) -> None:
        """JSON has one number type, so 30.0 decodes as the integer 30."""
        assert decode_json(b"[30.0, 2.5, -0.0, 1e2]", "body") == [30, 2.5, 0, 100]
        assert type(decode_json(b"30.0", "body")) is int

    def test_depth_at_the_limit_is_fine(self) -> None:
        """Exactly 64 levels decode."""
        assert decode_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, "body") is not None

    @pytest.mark.parametrize(
        "raw",
        [b'"\\ud800"', b'["ok", {"k": "\\uDFFF x"}]', b'{"\\ud800": 1}', b'"\\ude00\\ud83d"'],
    )
    def test_lone_surrogates_are_an_encoding_error(self, raw: bytes) -> None:
        """A surrogate escape without its partner, in a value or a key, is rule encoding for the field."""
        with pytest.raises(InvalidInput) as caught:
            decode_json(raw, "filter")
        assert (caught.value.field, caught.value.rule) == ("filter", "encoding")

    def test_paired_surrogates_decode_to_one_character(self) -> None:
        """A high and a low surrogate escape in order are one astral character."""
        assert decode_json('{"e": "\\ud83d\\ude00"}', "filter") == {"e": "\U0001f600"}


class TestFirstError:
    def test_ranks_a_bounded_number_of_errors(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Naming a body's error looks at the first few errors only, however many the body has."""
        body = SPEC.operations["errors_capture"].body
        assert body is not None
        validator = VALIDATORS.compile(body.schema_pointer)
        drawn = 0
        full = validator.full

        class Counting:
            def iter_errors(self, instance: Any) -> Iterator[Any]:
                nonlocal drawn
                for error in full.iter_errors(instance):
                    drawn += 1
                    yield error

        monkeypatch.setattr(validator, "full", Counting())
        body_value = {"message": "x", "fingerprint": [""] * 200_000}
        error = validator.first_error(body_value)
        assert error is not None
        assert drawn <= 100
        # Inside the capture body's alternatives (oneOf) too, each alternative keeps only its first errors.
        assert len(error.context or ()) <= 2 * MAX_ERRORS_PER_ALTERNATIVE
        with pytest.raises(InvalidInput) as caught:
            VALIDATORS["errors_capture"].body(json.dumps(body_value).encode(), "application/json")
        assert caught.value.field == "body.fingerprint"


class TestEcmaPatterns:
    @pytest.mark.parametrize(
        ("pattern", "text", "matches"),
        [
            (r"^tags\.[^\s]{1,64}$", "tags.a\x1db", True),  # U+001D is whitespace to Python, not to ECMA-262
            (r"^tags\.[^\s]{1,64}$", "tags.a\ufeffb", False),  # and U+FEFF the other way round
            (r"^tags\.[^\s]{1,64}$", "tags.env\n", False),  # Python's $ also matches before a final newline
            (r"^\d+$", "\u0663", False),  # ARABIC-INDIC DIGIT THREE is no ECMA \d
            (r"^\w+$", "é", False),
            (r"^a.b$", "a\rb", False),
            (r"^[\d\s]+$", "1 2", True),
            (r"^\S+$", "a\x1d", True),
        ],
    )
    def test_patterns_mean_what_ecma_262_says(self, pattern: str, text: str, matches: bool) -> None:
        """Spec regexes are ECMA-262; translated, Python's re agrees with that meaning."""
        assert (re.search(translate(pattern), text) is not None) is matches

    def test_untranslatable_patterns_are_kept(self) -> None:
        """A negated shorthand inside a class is left as written."""
        assert translate(r"[^\S]") == r"[^\S]"

    def test_document_patterns_are_translated(self) -> None:
        """Both `pattern` values and `patternProperties` keys are rewritten; nothing else is."""
        document = {"pattern": r"\d$", "patternProperties": {r"^\w$": {"pattern": "."}}, "enum": ["$"]}
        assert translate_document(document) == {
            "pattern": r"[0-9]\Z",
            "patternProperties": {r"^[A-Za-z0-9_]\Z": {"pattern": r"[^\n\r\u2028\u2029]"}},
            "enum": ["$"],
        }


class TestFastCheck:
    compiler = SchemaCompiler(
        {"defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/defs/node"}}}}}, {}
    )

    @pytest.mark.parametrize(
        ("schema", "value", "valid"),
        [
            ({"type": "integer"}, True, False),
            ({"type": "integer"}, 1.0, True),
            ({"type": "number"}, False, False),
            ({"const": True}, 1, False),
            ({"const": True}, True, True),
            ({"enum": ["a", None]}, None, True),
            ({"enum": ["a", None]}, 0, False),
            ({"type": ["string", "null"]}, None, True),
            ({"minimum": 1}, "not a number", True),
            ({"maxLength": 2}, "ab", True),
            ({"maxLength": 2}, "abc", False),
            ({"additionalProperties": False, "patternProperties": {"^x": {}}}, {"xy": 1}, True),
            ({"additionalProperties": False, "patternProperties": {"^x": {}}}, {"y": 1}, False),
            ({"oneOf": [{"type": "integer"}, {"type": "number"}]}, 1, False),
        ],
    )
    def test_edge_cases(self, schema: dict[str, Any], value: Any, valid: bool) -> None:
        """JSON Schema's type rules, not Python's (True is no integer, 1.0 is one)."""
        assert self.compiler.compile(schema)(value) is valid

    def test_recursive_refs(self) -> None:
        """A schema that refers to itself compiles and checks nested values."""
        check = self.compiler.compile_pointer("/defs/node")
        assert check({"next": {"next": {}}})
        assert not check({"next": {"next": 3}})

    @pytest.mark.parametrize("schema", [{"uniqueItems": True}, {"$ref": "other.yaml#/x"}, {"enum": [1, 2]}])
    def test_unknown_keywords_are_left_to_jsonschema(self, schema: dict[str, Any]) -> None:
        """Anything outside the subset refuses to compile rather than guess."""
        with pytest.raises(Uncompilable):
            self.compiler.compile(schema)

    def test_every_spec_schema_compiles(self) -> None:
        """The spec stays inside the fast subset, so every check has a fast path."""
        compiled = VALIDATORS._compiled
        assert compiled
        assert all(validator.fast is not None for validator in compiled.values())


def _examples(node: Any) -> list[Any]:
    """Every example value in the document."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples" and isinstance(value, dict):
                found.extend(
                    item["value"] for item in value.values() if isinstance(item, dict) and "value" in item
                )
            else:
                found.extend(_examples(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_examples(value))
    return found


POOL = [
    *_examples(SPEC.document),
    {"ok": False, "error": {"code": "NOT_FOUND", "message": "x", "details": {"field": "f"}}},
    {"days": 30, "auto_export_before_cleanup": True, "export_destination": None},
    {"ok": True, "action": "delete", "succeeded": ["grp_1"], "failed": []},
]
POINTERS = sorted(VALIDATORS._compiled)
# For each schema, the pool documents it accepts: mutating these explores the edge of validity.
VALID_SEEDS = {
    pointer: [example for example in POOL if VALIDATORS._compiled[pointer].full.is_valid(example)] or POOL
    for pointer in POINTERS
}
STRINGS = st.sampled_from(
    [
        "",
        "error",
        "resolved",
        "csv",
        "grp_1",
        "2026-01-01T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "tags.env",
        "x" * 300,
    ]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5000)
    | st.sampled_from([1.0, 2.5, 30.0])
    | STRINGS
    | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(STRINGS | st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


def _edit_object(draw: st.DrawFn, value: dict[str, Any], action: str, budget: int) -> Any:
    key = draw(st.sampled_from(sorted(value)))
    if action == "descend":
        return {**value, key: draw(mutated(value[key], budget - 1))}
    if action == "drop":
        return {name: item for name, item in value.items() if name != key}
    return {**value, draw(STRINGS): draw(JSON)}


def _edit_array(draw: st.DrawFn, value: list[Any], action: str, budget: int) -> Any:
    index = draw(st.integers(0, len(value) - 1))
    if action == "descend":
        return [*value[:index], draw(mutated(value[index], budget - 1)), *value[index + 1 :]]
    if action == "drop":
        return [*value[:index], *value[index + 1 :]]
    return [*value, draw(JSON)]


@st.composite
def mutated(draw: st.DrawFn, value: Any, budget: int = 3) -> Any:
    """`value` with a few random edits deep inside (replace, drop, add)."""
    action = draw(st.sampled_from(["keep", "replace", "descend", "drop", "add"]))
    if budget == 0 or action == "keep":
        return value
    if action == "replace":
        return draw(JSON)
    if isinstance(value, dict) and value:
        return _edit_object(draw, value, action, budget)
    if isinstance(value, list) and value:
        return _edit_array(draw, value, action, budget)
    return value


class TestFastCheckAgreesWithJsonschema:
    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_same_verdict_on_mutated_examples(self, data: st.DataObject) -> None:
        """For every spec schema, the fast check and jsonschema accept and reject the same documents."""
        pointer = data.draw(st.sampled_from(POINTERS))
        seeds = data.draw(st.sampled_from([VALID_SEEDS[pointer], POOL]))
        instance = data.draw(mutated(data.draw(st.sampled_from(seeds))))
        validator = VALIDATORS._compiled[pointer]
        assert validator.fast is not None
        assert validator.fast(instance) == validator.full.is_valid(instance), (pointer, instance)

    @pytest.mark.parametrize("scalar", [None, 0, "", [], {}], ids=repr)
    def test_scalars_get_the_same_verdict_everywhere(self, scalar: Any) -> None:
        """Bare scalars and empty containers, `null` included, get one verdict from both (twice: caches)."""
        for _ in range(2):
            for validator in VALIDATORS._compiled.values():
                assert validator.fast is not None
                assert validator.fast(scalar) == validator.full.is_valid(scalar), scalar

    @pytest.mark.parametrize("example", POOL, ids=lambda value: type(value).__name__)
    def test_examples_get_the_same_verdict_everywhere(self, example: Any) -> None:
        """Each spec example, against every schema, gets one verdict from both."""
        for validator in VALIDATORS._compiled.values():
            assert validator.fast is not None
            assert validator.fast(example) == validator.full.is_valid(example)


class TestGeneratorFriendlyShapesNameErrorsAsBefore:
    """The capture body's `oneOf` and the filter's `propertyNames` name the same field and rule as the
    earlier `anyOf`-of-required and `additionalProperties: false` shapes did."""

    @pytest.mark.parametrize(
        ("body", "field", "rule"),
        [
            ({}, "body.message", "required"),
            ({"level": "error"}, "body.message", "required"),
            ({"mesage": "typo"}, "body.mesage", "additionalProperties"),
            ({"mesage": "typo", "exception": {"type": "T"}}, "body.mesage", "additionalProperties"),
            ({"message": 42}, "body.message", "type"),
            ({"message": "m", "exception": {"message": "x"}}, "body.exception.type", "required"),
            ({"exception": {"type": "T"}, "stack": 5}, "body.stack", "type"),
            ({"exception": {"type": "T"}, "tags": {"bad name": "x"}}, "body.tags", "pattern"),
            (42, "body", "type"),
            ([], "body", "type"),
        ],
    )
    def test_capture_errors_name_field_and_rule(self, body: Any, field: str, rule: str) -> None:
        """A refused capture body names the field and rule of the alternative it was meant to be."""
        with pytest.raises(InvalidInput) as caught:
            VALIDATORS["errors_capture"].body(json.dumps(body).encode(), "application/json")
        assert (caught.value.field, caught.value.rule) == (field, rule)

    def test_a_body_with_message_and_exception_is_accepted(self) -> None:
        """Both fields together are a CaptureWithMessage, accepted as before (message wins)."""
        body = {"message": "m", "exception": {"type": "T", "message": "x"}, "level": "error"}
        assert VALIDATORS["errors_capture"].body(json.dumps(body).encode(), "application/json") == body

    @pytest.mark.parametrize(
        ("raw", "field", "rule"),
        [
            ('{"colour": "red"}', "filter.colour", "additionalProperties"),
            ('{"colour": 5}', "filter.colour", "additionalProperties"),
            ('{"tags.b d": "x"}', "filter.tags.b d", "additionalProperties"),
            ('{"tags.env": 5}', "filter.tags.env", "anyOf"),
            ('{"level": []}', "filter.level", "minItems"),
            ("[]", "filter", "type"),
        ],
    )
    def test_filter_errors_name_field_and_rule(self, raw: str, field: str, rule: str) -> None:
        """The filter, a JSON string whose content schema is ErrorFilter, is decoded and checked as before."""
        with pytest.raises(InvalidInput) as caught:
            VALIDATORS["errors_list"].params({}, {"filter": raw}, {})
        assert (caught.value.field, caught.value.rule) == (field, rule)

    def test_tag_filters_pass(self) -> None:
        """`tags.<name>` keys, closed by propertyNames, are accepted."""
        raw = '{"tags.env": ["prod"], "level": "error"}'
        params = VALIDATORS["errors_list"].params({}, {"filter": raw}, {})
        assert params["filter"] == {"tags.env": ["prod"], "level": "error"}


LEGACY = yaml.safe_load(
    (Path(__file__).parent / "data" / "pre_generator_shapes.yaml").read_text(encoding="utf-8")
)
# Values per capture field and per filter key: valid ones and each kind of mistake.
CAPTURE_VALUES: dict[str, list[Any]] = {
    "message": ["m", "", 5, None, "x" * 9000],
    "exception": [{"type": "T"}, {"message": "x"}, {"type": "T", "extra": 1}, "s", {"type": ""},
                  {"type": "T", "stacktrace": 3}],
    "code": ["C", "", 1],
    "stack": ["s", 2],
    "tags": [{"a": "b"}, {"a": 1}, {"bad name": "x"}, []],
    "level": ["error", "loud"],
    "user_id": ["u", ""],
    "environment": ["production", "prod"],
    "fingerprint": [["a"], [], [""], "a"],
    "extra": [1],
    "mesage": ["x"],
}  # fmt: skip
FILTER_VALUES: dict[str, list[Any]] = {
    "level": ["error", ["error"], [], "loud"],
    "tags.env": ["p", ["p"], 5],
    "tags.b d": ["x"],
    "colour": [1, "x"],
    "since": ["2026-01-01T00:00:00Z", "yesterday"],
    "status": ["resolved", "x"],
    "release": ["r", [""]],
}


def _documents(values: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.lists(st.sampled_from(sorted(values)), unique=True, max_size=5)
    return keys.flatmap(
        lambda chosen: st.fixed_dictionaries({key: st.sampled_from(values[key]) for key in chosen})
    )


def _verdict(check: Callable[[], Any]) -> tuple[str, str] | None:
    try:
        check()
    except InvalidInput as exc:
        return exc.field, exc.rule
    return None


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Validators:
    """Validators of the spec with the capture body and the filter in their earlier shapes."""
    document = copy.deepcopy(dict(SPEC.document))
    document["components"]["parameters"].update(LEGACY["parameters"])
    document["components"]["schemas"].update(LEGACY["schemas"])
    path = tmp_path_factory.mktemp("legacy") / "openapi.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return Validators(load_spec(path))


class TestSameRequestsAsTheEarlierShapes:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.one_of(_documents(CAPTURE_VALUES), st.sampled_from([42, [], "m", None])))
    def test_capture_bodies(self, legacy: Validators, body: Any) -> None:
        """Every body is accepted by both shapes or refused by both, naming the same field and rule."""
        raw = json.dumps(body).encode()
        before = _verdict(lambda: legacy["errors_capture"].body(raw, "application/json"))
        assert _verdict(lambda: VALIDATORS["errors_capture"].body(raw, "application/json")) == before

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=st.one_of(_documents(FILTER_VALUES), st.sampled_from([[], 5, "x"])))
    def test_filters(self, legacy: Validators, value: Any) -> None:
        """Every filter is accepted by both shapes or refused by both, naming the same field and rule."""
        query = {"filter": json.dumps(value)}
        before = _verdict(lambda: legacy["errors_list"].params({}, query, {}))
        assert _verdict(lambda: VALIDATORS["errors_list"].params({}, query, {})) == before
