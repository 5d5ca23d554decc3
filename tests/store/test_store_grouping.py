"""Message normalization, stack parsing, fingerprint precedence and titles."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from store_helpers import capture

from mockserver.store import Tenant, compute_fingerprint, normalize_message
from mockserver.store.grouping import make_title
from mockserver.store.stacks import Frame, parse_frames

PY_STACK = """Traceback (most recent call last):
  File "/srv/app/handlers.py", line {a}, in handle
    process(order)
  File "/srv/app/orders.py", line {b}, in process
    raise ValueError("bad")
ValueError: bad"""

JS_STACK = """TypeError: x is undefined
    at Object.render (/app/src/view.js:{a}:5)
    at async Router.dispatch (https://cdn.example.com/app.min.js?v=3:1:{b})
    at /app/index.js:{a}:1"""

GECKO_STACK = """render@https://example.com/view.js:{a}:2
@https://example.com/main.js:{b}:9"""


class TestNormalizeMessage:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("mail bob.smith+x@example.co.uk bounced", "mail <email> bounced"),
            ("GET https://api.example.com/v1/users?id=3 failed", "GET <url> failed"),
            ("connect to 10.20.30.40 refused", "connect to <ip> refused"),
            ("peer 2001:0db8:85a3:0000:0000:8a2e:0370:7334 left", "peer <ip> left"),
            ("row 123e4567-e89b-12d3-a456-426614174000 locked", "row <uuid> locked"),
            ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709 missing", "commit <sha1> missing"),
            ("blob d41d8cd98f00b204e9800998ecf8427e missing", "blob <md5> missing"),
            ("at 2026-01-02T03:04:05.678Z", "at <date>"),
            ("at 2026-01-02T03:04:05+02:00", "at <date>"),
            ("on 2026-01-02 only", "on <date> only"),
            ("at 12:30:45 sharp", "at <date> sharp"),
            ("timeout after 30s", "timeout after <duration>"),
            ("took 250ms, budget 1.5s", "took <duration>, budget <duration>"),
            ("pointer 0x7fff5fbff8a8 freed", "pointer <hex> freed"),
            ("token deadbeef42 rejected", "token <hex> rejected"),
            ("ratio 0.75 exceeded", "ratio <float> exceeded"),
            ("delta -1.5 too low", "delta <float> too low"),
            ("user 123 not found", "user <int> not found"),
            ("order #1231 failed", "order #<int> failed"),
            ("offset -7 invalid", "offset <int> invalid"),
        ],
    )
    def test_each_token_type_becomes_a_placeholder(self, text: str, expected: str) -> None:
        """Every parameter kind from Sentry's list is replaced by its <name>."""
        assert normalize_message(text) == expected

    def test_words_without_digits_are_kept(self) -> None:
        """Plain words, including hex-looking words without a digit, are not parameters."""
        assert normalize_message("timeout talking to db facade") == "timeout talking to db facade"

    def test_identifiers_glued_to_letters_are_kept(self) -> None:
        """Digits inside a word (no word boundary) are not replaced."""
        assert normalize_message("utf8 codec abc123") == "utf8 codec abc123"

    def test_keeps_only_the_first_two_non_empty_lines(self) -> None:
        """Lines after the second non-empty one do not take part."""
        assert normalize_message("first 1\n\n  second 2  \nthird 3") == "first <int>\nsecond <int>"

    def test_earlier_patterns_win_over_later_ones(self) -> None:
        """An IP is one <ip>, not four ints; an email is not split into a url or ints."""
        assert normalize_message("10.0.0.1 a1@b2.com") == "<ip> <email>"

    @given(st.integers(0, 9_999_999), st.integers(0, 9_999_999))
    def test_messages_differing_only_in_numbers_normalize_equally(self, left: int, right: int) -> None:
        """Any two ints of up to seven digits (longer ones are <hex>, as in Sentry) normalize equally."""
        assert normalize_message(f"user {left} not found") == normalize_message(f"user {right} not found")


class TestStackParsing:
    def test_python_traceback_frames(self) -> None:
        """Python frames give the lower-cased file basename and function, outermost first."""
        assert parse_frames(PY_STACK.format(a=1, b=2)) == [
            Frame("handlers.py", "handle"),
            Frame("orders.py", "process"),
        ]

    def test_v8_frames_with_and_without_function(self) -> None:
        """V8 `at fn (file:l:c)` and `at file:l:c` frames parse; Object. and async prefixes go."""
        assert parse_frames(JS_STACK.format(a=1, b=2)) == [
            Frame("view.js", "render"),
            Frame("app.min.js", "Router.dispatch"),
            Frame("index.js", ""),
        ]

    def test_v8_constructor_alias_and_async_decorations_are_dropped(self) -> None:
        """`new `, `async ` and `[as alias]` do not change a V8 frame's function."""
        stack = (
            "Error: x\n    at new Widget (widget.js:3:9)\n"
            "    at Router.go [as handle] (router.js:9:1)\n    at async load (loader.js:1:1)"
        )
        assert parse_frames(stack) == [
            Frame("widget.js", "Widget"),
            Frame("router.js", "Router.go"),
            Frame("loader.js", "load"),
        ]

    def test_gecko_frames(self) -> None:
        """Firefox/Safari `fn@file:l:c` frames parse, anonymous ones with an empty function."""
        assert parse_frames(GECKO_STACK.format(a=1, b=2)) == [
            Frame("view.js", "render"),
            Frame("main.js", ""),
        ]

    def test_windows_paths_use_the_basename(self) -> None:
        """Backslash-separated paths reduce to the file name."""
        assert parse_frames('  File "C:\\app\\Svc.py", line 3, in run') == [Frame("svc.py", "run")]

    def test_text_without_frames_parses_to_nothing(self) -> None:
        """Free text yields no frames."""
        assert parse_frames("something went wrong at step 3") == []


def fp(**fields: object) -> str:
    """Compute a fingerprint with `message` defaulting to a fixed text."""
    fields.setdefault("message", "boom")
    return compute_fingerprint(**fields)  # type: ignore[arg-type]


class TestFingerprint:
    def test_is_32_hex_md5(self) -> None:
        """The fingerprint is a 32-character lowercase hex digest."""
        assert re.fullmatch(r"[0-9a-f]{32}", fp())

    @pytest.mark.parametrize("template", [PY_STACK, JS_STACK, GECKO_STACK])
    def test_stack_line_numbers_do_not_matter(self, template: str) -> None:
        """The same frames at different lines and columns group together."""
        assert fp(exception_type="E", stack=template.format(a=1, b=2)) == fp(
            exception_type="E", stack=template.format(a=300, b=4000)
        )

    def test_stack_beats_code_and_message(self) -> None:
        """With a stack, neither the code nor the message changes the group."""
        stack = PY_STACK.format(a=1, b=2)
        assert fp(exception_type="E", stack=stack, code="A", message="x") == fp(
            exception_type="E", stack=stack, code="B", message="totally different"
        )

    def test_different_frames_split_groups(self) -> None:
        """A different function in the stack means a different group."""
        other = PY_STACK.format(a=1, b=2).replace("in process", "in settle")
        assert fp(exception_type="E", stack=PY_STACK.format(a=1, b=2)) != fp(exception_type="E", stack=other)

    def test_exception_type_is_part_of_stack_grouping(self) -> None:
        """The same stack under two exception types gives two groups."""
        stack = PY_STACK.format(a=1, b=2)
        assert fp(exception_type="ValueError", stack=stack) != fp(exception_type="KeyError", stack=stack)

    def test_unparseable_stack_falls_back_to_digit_normalized_lines(self) -> None:
        """Frame-less stack text groups by its lines, with digits normalized."""
        assert fp(exception_type="E", stack="step 1 failed\nretry 2") == fp(
            exception_type="E", stack="step 9 failed\nretry 77"
        )
        assert fp(exception_type="E", stack="step 1 failed") != fp(exception_type="E", stack="other 1 failed")

    def test_code_beats_message_when_there_is_no_stack(self) -> None:
        """Type + code groups regardless of the message."""
        assert fp(exception_type="E", code="E42", exception_message="a") == fp(
            exception_type="E", code="E42", exception_message="b"
        )
        assert fp(exception_type="E", code="E42") != fp(exception_type="E", code="E43")

    def test_type_and_normalized_message_is_the_last_resort(self) -> None:
        """Without stack or code, exception type plus normalized message decide."""
        assert fp(exception_type="E", exception_message="user 1 not found") == fp(
            exception_type="E", exception_message="user 2 not found"
        )
        assert fp(exception_type="E", exception_message="timeout") != fp(
            exception_type="E", exception_message="permission denied"
        )
        assert fp(exception_type="E", exception_message="x") != fp(exception_type="F", exception_message="x")

    def test_message_only_events_group_by_normalized_message(self) -> None:
        """Plain messages that differ only in parameters share a group."""
        assert fp(message="user 123 not found") == fp(message="user 456 not found")
        assert fp(message="timeout talking to db") != fp(message="permission denied")

    def test_message_only_events_prefer_stack_then_code(self) -> None:
        """Without an exception: a stack ignores the message; else a code ignores it."""
        stack = JS_STACK.format(a=1, b=2)
        assert fp(message="a", stack=stack) == fp(message="b", stack=stack)
        assert fp(message="a", code="C1") == fp(message="b", code="C1")
        assert fp(message="a", code="C1") != fp(message="a", code="C2")

    def test_strategies_do_not_collide(self) -> None:
        """A code equal to a message text does not share a group with that message."""
        assert fp(message="x", code="same") != fp(message="same")

    def test_custom_fingerprint_replaces_default_grouping(self) -> None:
        """An explicit fingerprint ignores message, code and stack entirely."""
        assert fp(message="a", code="1", fingerprint=["checkout"]) == fp(
            message="b", exception_type="E", stack=PY_STACK.format(a=1, b=2), fingerprint=["checkout"]
        )
        assert fp(fingerprint=["checkout"]) != fp(fingerprint=["billing"])

    @pytest.mark.parametrize("variable", ["{{ default }}", "{{default}}", "{{   default  }}"])
    def test_default_alone_equals_no_fingerprint(self, variable: str) -> None:
        """["{{ default }}"] (any spacing) is the same as no custom fingerprint."""
        assert fp(message="user 1 x", fingerprint=[variable]) == fp(message="user 2 x")

    def test_default_expands_in_place_to_subdivide_groups(self) -> None:
        """["{{ default }}", v] splits the default group by v and keeps default grouping inside."""
        base = fp(message="user 1 not found", fingerprint=["{{ default }}", "eu"])
        assert base == fp(message="user 2 not found", fingerprint=["{{default}}", "eu"])
        assert base != fp(message="user 1 not found", fingerprint=["{{ default }}", "us"])
        assert base != fp(message="other", fingerprint=["{{ default }}", "eu"])
        assert base != fp(message="user 1 not found")

    def test_empty_fingerprint_list_is_ignored(self) -> None:
        """An empty fingerprint list means default grouping."""
        assert fp(message="m", fingerprint=[]) == fp(message="m")


class TestTitle:
    def test_exception_title_is_type_colon_message(self) -> None:
        """An exception with a message titles as "Type: message"."""
        assert (
            make_title(message="x", exception_type="ValueError", exception_message="bad 1")
            == "ValueError: bad 1"
        )

    def test_exception_without_message_titles_as_type(self) -> None:
        """An exception without a message titles as its type."""
        assert (
            make_title(message="ValueError", exception_type="ValueError", exception_message=None)
            == "ValueError"
        )

    def test_message_title_is_first_line_capped_at_256(self) -> None:
        """Only the first line counts and it is cut to 256 characters."""
        assert (
            make_title(message="x" * 300 + "\nsecond", exception_type=None, exception_message=None)
            == "x" * 256
        )

    def test_blank_text_titles_as_unlabeled(self) -> None:
        """A message of only whitespace gets the placeholder title `<unlabeled event>`."""
        assert make_title(message="   ", exception_type=None, exception_message=None) == "<unlabeled event>"

    def test_group_title_is_the_first_events_unnormalized_text(self, tenant: Tenant) -> None:
        """A group keeps the first event's raw title even when later events differ."""
        first = capture(tenant, "user 1 not found")
        capture(tenant, "user 2 not found")
        assert tenant.get_group(first["error_group_id"])["title"] == "user 1 not found"


class TestInjectiveGrouping:
    def test_values_that_concatenate_alike_hash_apart(self) -> None:
        """The issue's pair: type "Foo\\0bar" + code "baz" vs type "Foo" + code "bar\\0baz" differ."""
        first = compute_fingerprint(message="m", exception_type="Foo\x00bar", code="baz")
        second = compute_fingerprint(message="m", exception_type="Foo", code="bar\x00baz")
        assert first != second

    def test_fingerprint_lists_that_join_alike_hash_apart(self) -> None:
        """["a\\0b"] and ["a", "b"] (and ["a,b"] and ["a", "b"]) are different fingerprints."""
        prints = {
            compute_fingerprint(message="m", fingerprint=values)
            for values in (["a\x00b"], ["a", "b"], ["a,b"], ['a","b'])
        }
        assert len(prints) == 4

    @given(
        left=st.lists(st.text(max_size=6), min_size=1, max_size=4),
        right=st.lists(st.text(max_size=6), min_size=1, max_size=4),
    )
    def test_different_fingerprint_lists_never_share_a_hash(self, left: list[str], right: list[str]) -> None:
        """Property: the hash is injective on value lists (JSON-array encoding), whatever they hold."""
        if any(entry.strip().lower().startswith("{{") for entry in left + right):
            return  # "{{ default }}" expands: not a plain value
        same = compute_fingerprint(message="m", fingerprint=left) == compute_fingerprint(
            message="m", fingerprint=right
        )
        assert same == (left == right)
