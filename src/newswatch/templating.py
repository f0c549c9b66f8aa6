"""User alert templates: the only module that speaks Jinja2.

Templates come from the configuration file, so they run in Jinja2's sandbox (no attribute
walks into Python internals, no calling arbitrary methods). Undefined names are an error
rather than an empty string, so a typo such as ``{{ chnage.title }}`` is reported by
``newswatch alerts test`` (and fails the delivery) instead of sending blank alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from newswatch.errors import NewswatchError

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


class TemplateFailed(NewswatchError):
    """A user template did not render (undefined field, bad filter, sandbox refusal)."""


def isolate(value: object) -> str:
    """Wrap text in Unicode isolates so right-to-left text cannot reorder its line."""
    text = "" if value is None else str(value)
    return f"{FSI}{text}{PDI}" if text else text


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    env.filters["isolate"] = isolate
    return env


def check_template(source: str) -> None:
    """Raise ``ValueError`` (for the config loader) when ``source`` is not valid Jinja2."""
    try:
        _environment().parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"invalid template (line {exc.lineno} of it): {exc.message}") from None


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render a user template with the documented alert fields."""
    try:
        return str(_compiled(source).render(**context))
    except TemplateError as exc:
        raise TemplateFailed(f"template failed: {exc}") from exc
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise TemplateFailed(f"template failed: {type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    return _environment().from_string(source)
