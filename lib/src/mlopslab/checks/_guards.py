"""Guards for checks: switch package functions off while a student's function runs, and spy on calls.

A check that asks a student to write what a course module already does (PSI, the monitor loop, the HTTP client) runs
the student's function with those module functions replaced by stand-ins that raise :class:`Forbidden`, and also
looks for them in the function's own references (an ``from mlopslab.monitoring import psi`` binds the original).
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Forbidden(Exception):
    """A student's function called a package function that the exercise asks them to write."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@contextmanager
def without(module: types.ModuleType, names: list[str]) -> Iterator[None]:
    """Within the block, ``module.<name>`` raises :class:`Forbidden` for each name; restored afterwards."""
    originals = {name: getattr(module, name) for name in names}

    def blocked(name: str) -> Callable[..., Any]:
        def stand_in(*_args, **_kwargs):
            raise Forbidden(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")

        return stand_in

    for name in names:
        setattr(module, name, blocked(name))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def references(fn: Any, targets: dict[str, Any]) -> list[str]:
    """The names in ``targets`` (name -> object) that ``fn`` reaches directly: by a global name its code uses, a
    closure variable or a default argument bound to that very object."""
    fn = inspect.unwrap(fn) if callable(fn) else fn
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    wanted = {id(obj): name for name, obj in targets.items()}
    found: list[str] = []
    scope = getattr(fn, "__globals__", {})
    for co in _code_objects(code):
        for name in co.co_names:
            obj = scope.get(name)
            if id(obj) in wanted and wanted[id(obj)] not in found:
                found.append(wanted[id(obj)])
    cells = [c.cell_contents for c in (fn.__closure__ or ()) if _has_contents(c)]
    for obj in [*cells, *(fn.__defaults__ or ())]:
        if id(obj) in wanted and wanted[id(obj)] not in found:
            found.append(wanted[id(obj)])
    return found


def _has_contents(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 -- an empty cell raises ValueError
    except ValueError:
        return False
    return True
