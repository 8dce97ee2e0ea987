"""The built-in Anthropic API simulator: `serve()` for tests, `flux-setup simulator` for people."""

from wizard.simulator.engine import Counters, Faults, Simulator
from wizard.simulator.scenarios import Scenario, ScenarioError, builtin_names, load
from wizard.simulator.server import RunningSimulator, serve

__all__ = [
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
