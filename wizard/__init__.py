"""flux-setup: the setup and model-upgrade wizard for Flux."""

__version__ = "0.2.0"
