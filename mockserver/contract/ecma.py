r"""Give the spec's regular expressions their JSON Schema (ECMA-262) meaning under Python's `re`.

JSON Schema patterns are ECMA-262 regexes, but jsonschema and `fastcheck` run them with
Python's `re`, where `\s` also matches U+001C..U+001F and U+0085, `\d` and `\w` match
non-ASCII digits and letters, `.` matches `\r`, and `$` matches before a final newline.
`translate` rewrites those constructs into explicit Python equivalents, and
`translate_document` applies it to every `pattern` and `patternProperties` of a document,
so both validators judge patterns the way clients that follow the spec do.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["translate", "translate_document"]

# ECMA-262 WhiteSpace and LineTerminator, as the inside of a Python character class.
_SPACE: Final = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DIGIT: Final = "0-9"
_WORD: Final = "A-Za-z0-9_"
_CLASSES: Final = {"s": _SPACE, "d": _DIGIT, "w": _WORD}


def translate(pattern: str) -> str:
    r"""Return a Python pattern that matches what the ECMA-262 `pattern` matches.

    A negated shorthand inside a class (`[\S]`, `[^\D]`) has no simple equivalent; such a
    pattern is returned unchanged.
    """
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            index += 2
            lower = escaped.lower()
            if lower in _CLASSES:
                negated = escaped.isupper()
                if in_class and negated:
                    return pattern
                body = _CLASSES[lower]
                out.append(body if in_class else f"[{'^' if negated else ''}{body}]")
            else:
                out.append(char + escaped)
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == ".":
            char = r"[^\n\r\u2028\u2029]"
        elif char == "$":
            char = r"\Z"
        out.append(char)
        index += 1
    return "".join(out)


def translate_document(node: Any) -> Any:
    """Return a copy of `node` with every schema regex translated (other values shared)."""
    if isinstance(node, list):
        return [translate_document(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy: dict[str, Any] = {}
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            copy[key] = translate(value)
        elif key == "patternProperties" and isinstance(value, dict):
            copy[key] = {translate(name): translate_document(sub) for name, sub in value.items()}
        else:
            copy[key] = translate_document(value)
    return copy
