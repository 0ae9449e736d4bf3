"""Steps that ``load_demo`` and ``generate_registry`` run when they exist in this installation,
each named by its module and function."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable


def step_function(module_name: str, function_name: str) -> Callable[..., object] | None:
    """The function ``function_name`` of ``module_name`` when both exist, else None."""
    try:
        spec = importlib.util.find_spec(module_name)
    except ModuleNotFoundError:
        return None
    if spec is None:
        return None
    function = getattr(importlib.import_module(module_name), function_name, None)
    return function if callable(function) else None
