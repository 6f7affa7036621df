"""The configuration reference (`docs/configuration.md`) rendered from the settings classes, so it cannot drift:
`python -m ops.config_docs > docs/configuration.md` regenerates it and a test compares the two."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args, get_origin

from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from base.settings import ALL_SETTINGS

HEADER = """# Configuration

Every setting is an environment variable, validated when any `reward-ledger` subcommand starts: a bad value stops it
with one line on stderr naming the variable and what it accepts, and exit code 2. Names and enumerated values are
case-insensitive. Generated from `base/settings.py` by `python -m ops.config_docs > docs/configuration.md`; a test
fails when this file and the settings classes differ.

| Variable | Concern | Default | Accepts | Meaning |
|---|---|---|---|---|
"""


def _accepts(annotation: object, metadata: list[object]) -> str:
    choices = get_args(annotation) if get_origin(annotation) is Literal else ()
    text = "one of " + " ".join(str(c).lower() for c in choices) if choices else getattr(annotation, "__name__", "")
    bounds = [f"{op} {getattr(m, attr)}" for m in metadata
              for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<=")) if getattr(m, attr, None) is not None]
    return ", ".join([{"int": "integer", "float": "number", "bool": "true/false", "str": "text",
                      "PosixPath": "path", "Path": "path"}.get(text, text), *bounds])


def variables(classes: Iterable[type[BaseSettings]]) -> list[str]:
    """The environment variables the settings classes read, in order (each subcommand's `--help` lists its own)."""
    return [str(field.validation_alias) for cls in classes for field in cls.model_fields.values()]


def render() -> str:
    rows = []
    for cls in ALL_SETTINGS:
        for field in cls.model_fields.values():
            default = "(run.json)" if field.default is PydanticUndefined else f"`{field.default}`"
            if field.default_factory is not None and not str(field.validation_alias).endswith("_URL"):
                default = "(see meaning)"
            if field.default == "":
                default = "empty"
            rows.append(f"| `{field.validation_alias}` | {cls.__name__} | {default} | "
                        f"{_accepts(field.annotation, field.metadata)} | {field.description} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(render(), end="")
