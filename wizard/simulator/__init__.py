"""The built-in Anthropic API simulator: `serve()` for tests, `flux-setup simulator` for people.

The names below load on first use (PEP 562): `flux-setup --help` declares the simulator's
options from `wizard.simulator.cli`, and importing this package must not start the HTTP server
and engine modules for that (~30 ms on every start)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.simulator.engine import Counters, Faults, Simulator
    from wizard.simulator.scenarios import Scenario, ScenarioError, builtin_names, load
    from wizard.simulator.server import RunningSimulator, serve

_HOMES = {
    "Counters": "engine",
    "Faults": "engine",
    "Simulator": "engine",
    "Scenario": "scenarios",
    "ScenarioError": "scenarios",
    "builtin_names": "scenarios",
    "load": "scenarios",
    "RunningSimulator": "server",
    "serve": "server",
}

__all__ = [  # a literal list: type checkers read it as the package's exports
    "Counters",
    "Faults",
    "RunningSimulator",
    "Scenario",
    "ScenarioError",
    "Simulator",
    "builtin_names",
    "load",
    "serve",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'wizard.simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"wizard.simulator.{home}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value
