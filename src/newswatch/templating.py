"""User alert templates: the only module that speaks Jinja2.

Templates come from the configuration file, so they run in Jinja2's sandbox (no attribute
walks into Python internals, no calling arbitrary methods). Undefined names are an error
rather than an empty string, so a typo such as ``{{ chnage.title }}`` is reported by
``newswatch alerts test`` (and fails the delivery) instead of sending blank alerts.

Rendering is bounded too: :data:`RENDER_SECONDS` of work (checked from a profile hook on
every call the template makes, so nested loops cannot spin forever), :data:`MAX_OUTPUT`
characters, and no ``*`` or ``**`` that would build a huge value. Whatever a template
raises (``1 // 0``, a macro calling itself, a range past the sandbox's limit, the budget)
is a :class:`TemplateFailed`: the same template fails the same way on every retry.

Jinja2 is imported on the first template parsed or rendered, not with this module: a check
round imports the alert channels (and :func:`isolate`) but most rounds render nothing, and
Jinja2's sandbox was a tenth of the command's start-up.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from functools import lru_cache
from types import FrameType
from typing import TYPE_CHECKING, Any

from newswatch.errors import NewswatchError

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate

RENDER_SECONDS = 2.0
"""The most time one rendering may take."""
MAX_OUTPUT = 1_000_000
"""The most characters one rendering (or one value it builds) may hold."""
MAX_EXPONENT = 256


class TemplateFailed(NewswatchError):
    """A user template did not render (undefined field, bad filter, sandbox refusal)."""


def isolate(value: object) -> str:
    """Wrap text in Unicode isolates so right-to-left text cannot reorder its line."""
    text = "" if value is None else str(value)
    return f"{FSI}{text}{PDI}" if text else text


class _TooMuchWork(Exception):
    """The template used up its rendering budget."""


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    """The sandbox, refusing ``*`` and ``**`` whose result would be huge (made once)."""
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.runtime import Context
    from jinja2.sandbox import SandboxedEnvironment

    class _BoundedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large for a template")
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                    if sized and len(seq) * times > MAX_OUTPUT:
                        raise SecurityError("repetition builds a value too large for a template")
            return super().call_binop(context, operator, left, right)

    env = _BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["isolate"] = isolate
    return env


def check_template(source: str) -> None:
    """Raise ``ValueError`` (for the config loader) when ``source`` is not valid Jinja2."""
    from jinja2 import TemplateSyntaxError

    try:
        _environment().parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"invalid template (line {exc.lineno} of it): {exc.message}") from None


def render(source: str, context: Mapping[str, Any], *, seconds: float = RENDER_SECONDS) -> str:
    """Render a user template with the documented alert fields, within the budget."""
    from jinja2 import TemplateSyntaxError

    try:
        template = _compiled(source)
    except TemplateSyntaxError as exc:
        raise TemplateFailed(f"template failed: {exc}") from exc
    deadline = time.monotonic() + seconds
    calls = 0

    def budget(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1
        if calls % 64 == 0 and time.monotonic() > deadline:
            raise _TooMuchWork(f"took more than {seconds:g}s")

    previous = sys.getprofile()
    parts: list[str] = []
    size = 0
    sys.setprofile(budget)
    try:
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _TooMuchWork(f"output longer than {MAX_OUTPUT} characters")
            parts.append(chunk)
    except RecursionError:
        raise TemplateFailed("template failed: it calls itself without end") from None
    except _TooMuchWork as exc:
        raise TemplateFailed(f"template failed: too much work ({exc})") from None
    except Exception as exc:  # a user's template may raise anything; it is their error
        raise TemplateFailed(f"template failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.setprofile(previous)
    return "".join(parts)


@lru_cache(maxsize=64)
def _compiled(source: str) -> Any:
    return _environment().from_string(source)
