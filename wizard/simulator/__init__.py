"""The built-in Anthropic API simulator: `serve()` for tests, `flux-setup simulator` for people."""

from wizard.simulator.scenarios import Scenario, ScenarioError, builtin_names, load
from wizard.simulator.server import Counters, Faults, RunningSimulator, Simulator, serve

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
