"""One place that finds the files under ``resources/``, from a checkout or an installed copy.

The wheel carries ``resources/`` inside the package as ``kiosk.data`` (pyproject.toml maps it),
installed as the folder ``kiosk/data``; a checkout (or an editable install) reads the folder
beside the package."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any


def resources_dir() -> Path:
    """The resources folder; ``KIOSK_RESOURCES`` overrides it (tests, a clinic's own copy)."""
    override = os.environ.get("KIOSK_RESOURCES")
    if override:
        return Path(override)
    return _shipped()


@cache
def _shipped() -> Path:
    # A wheel is always installed unpacked, as files: ``kiosk.data`` is then the folder
    # ``data`` inside the package (what importlib.resources would find, without its 2 ms of
    # imports at every start-up); in a checkout it is the folder beside the package.
    here = Path(__file__).resolve().parent
    installed = here / "data"
    return installed if (installed / "__init__.py").is_file() else here.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


DEFAULT_QUESTIONNAIRE = ("questionnaires", "facet-intake.json")
DEFAULT_RULEPACK = ("rules", "facet-default.json")


MAX_DEPTH = 64  # deeper than any questionnaire, rule pack or answers file needs, far below Python's limit


def parse_json(text: str | bytes) -> Any:
    """JSON from outside (a file, a clinic's pack): ValueError with one plain sentence for bad
    JSON or for nesting deeper than ``MAX_DEPTH``, which would otherwise escape as a
    RecursionError from the parser or from the code that walks the result."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    todo = [(data, 1)]
    while todo:  # no recursion of our own
        node, depth = todo.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
            todo.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return data


def read_json(path: Path) -> tuple[Any, str]:
    """A JSON file's content and the SHA-256 of its bytes; ValueError with one plain sentence."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the file ({exc.strerror or exc})") from None
    import hashlib  # here: loading OpenSSL is not on the way to the welcome screen

    return parse_json(raw), hashlib.sha256(raw).hexdigest()
