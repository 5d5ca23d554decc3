"""The control API's own OpenAPI document (`spec/control.yaml`), bundled into one self-contained document.

`control.yaml` refers to the errors API's schemas (`openapi.yaml#/components/schemas/...`) and
to the tenant state document's JSON Schema (`tenant-state.schema.json`) rather than restating
them. The validators resolve only local references, so `bundle` copies each referenced node
into `components/schemas` under its own name (rewriting the references inside it) once, at
load time. The files on disk stay the single source; Redocly lints them as they are.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .documents import digest, load_entry, read_document, store_entry
from .spec import Spec, _index

__all__ = ["CONTROL_SPEC_NAME", "STATE_SCHEMA_NAME", "bundle", "default_control_path", "load_control_spec"]

CONTROL_SPEC_NAME = "control.yaml"
STATE_SCHEMA_NAME = "tenant-state.schema.json"
# Keywords that would re-root references inside a copied JSON Schema document.
_ROOT_ONLY = ("$schema", "$id", "$defs")


def default_control_path() -> Path:
    """Return the control spec shipped in the wheel, else the source tree's `spec/control.yaml`."""
    here = Path(__file__).resolve()
    shipped = here.parents[1] / CONTROL_SPEC_NAME  # where the wheel puts it (see spec.default_spec_path)
    if shipped.is_file():
        return shipped
    return here.parents[2] / "spec" / CONTROL_SPEC_NAME


def default_state_schema_path() -> Path:
    """Return the tenant state document's JSON Schema, shipped or in the source tree."""
    return default_control_path().with_name(STATE_SCHEMA_NAME)


def _read(path: Path) -> Any:
    return read_document(path)  # JSON by suffix, else YAML (parsed once per content, see documents.py)


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for token in filter(None, pointer.lstrip("/").split("/")):
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _component_name(path: Path, pointer: str) -> str:
    tail = pointer.rstrip("/").rsplit("/", 1)[-1] if pointer.strip("/") else ""
    stem = "".join(part.capitalize() for part in path.name.split(".")[0].replace("_", "-").split("-"))
    if path.name == "openapi.yaml" and pointer.startswith("/components/schemas/"):
        return tail  # the errors API's own schema names
    return f"{stem}_{tail}" if tail else stem


def bundle(document: Mapping[str, Any], base: Path, read: Callable[[Path], Any] = _read) -> dict[str, Any]:
    """Return `document` with every reference to another file replaced by a local component.

    The files referred to are read with `read` (once each).
    """
    bundled = copy.deepcopy(dict(document))
    schemas: dict[str, Any] = {}  # the copied components, added once every reference is rewritten
    files: dict[Path, Any] = {}
    names: dict[tuple[Path, str], str] = {}

    def local(path: Path, pointer: str) -> str:
        key = (path, pointer)
        if key not in names:
            name = names[key] = _component_name(path, pointer)
            if path not in files:
                files[path] = read(path)
            node = copy.deepcopy(_pointer(files[path], pointer))
            if isinstance(node, dict):
                for keyword in _ROOT_ONLY:
                    node.pop(keyword, None)
            schemas[name] = rewrite(node, path)
        return f"#/components/schemas/{names[key]}"

    def rewrite(node: Any, where: Path | None) -> Any:
        if isinstance(node, list):
            return [rewrite(item, where) for item in node]
        if not isinstance(node, dict):
            return node
        result = {key: rewrite(value, where) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target, _, pointer = ref.partition("#")
            if target:
                result["$ref"] = local(((where or base).parent / target).resolve(), pointer)
            elif where is not None:
                result["$ref"] = local(where, pointer)
        return result

    for key in ("paths", "components"):
        if key in bundled:
            bundled[key] = rewrite(bundled[key], None)
    own = bundled.setdefault("components", {}).setdefault("schemas", {})
    clashes = sorted(set(own) & set(schemas))
    if clashes:
        raise ValueError(f"bundled schema names clash with the document's own: {', '.join(clashes)}")
    own.update(schemas)
    return bundled


def load_control_spec(path: str | Path | None = None) -> Spec:
    """Load, bundle and index the control API's document (default: the packaged one)."""
    return _load(Path(path).resolve() if path is not None else default_control_path().resolve())


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Spec:
    return _index(path, _bundled(path))


def _bundled(path: Path) -> dict[str, Any]:
    """Bundle the document at `path`, or take the cached bundle if no file it was made from has changed."""
    name = f"bundle-{digest(path)}"
    cached = load_entry(name)
    if (
        isinstance(cached, dict)
        and isinstance(cached.get("sources"), dict)
        and isinstance(cached.get("document"), dict)
        and all(_unchanged(Path(source), sha) for source, sha in cached["sources"].items())
    ):
        document: dict[str, Any] = cached["document"]
        return document
    root = _read(path)
    if not isinstance(root, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    sources: dict[str, str] = {}

    def read(source: Path) -> Any:
        sources[str(source)] = digest(source)
        return _read(source)

    bundled = bundle(root, path, read)
    store_entry(name, {"sources": sources, "document": bundled})
    return bundled


def _unchanged(source: Path, sha: object) -> bool:
    try:
        return digest(source) == sha
    except OSError:
        return False
