"""pyproject.toml layouts around a [tool.flux] part, and the edit the lossless tests compare
(test_fluxconfig: sliced against whole; test_large_pyproject: read in pieces against whole)."""

from __future__ import annotations

from wizard.fluxconfig import load, locate, migrate, set_model

AROUND = [
    ("", ""),
    ('[project]\nname = "x"\n\n', "\n# ruff\n[tool.ruff]\nline-length = 100\n"),
    ("[tool.black]\nx = 1 # c\n[[tool.mypy.overrides]]\nmodule = 'a'\n", ""),
    ('s = """\n[tool.flux]\nmodel = "in-a-string"\n"""\n', '[tool.z]\nq = """\n[tool.flux]\n"""\n'),
    ("", '[tool."flux.other"]\na = 1\n'),
]
FLUX_PARTS = [
    '[tool.flux]\nmodel = "claude-3-haiku-20240307" # mine\n',
    '[tool.flux]\nconfig_version = 2\n\n[tool.flux.model]\nid = "claude-3-haiku-20240307"\n',
    '[tool . flux]\nconfig_version = 2\n[tool.flux.model]\nid = "x"\nfallback = "y"\n# end\n',
    '[tool.flux]\nmodel = "m"\n[[tool.flux.hooks]]\nname = "a"\n[[tool.flux.hooks]]\nname = "b"\n',
]


def edited(path, monkeypatch, whole: bool) -> bytes:
    import wizard.fluxconfig as fluxconfig

    if whole:
        monkeypatch.setattr(fluxconfig, "flux_span", lambda *_: None)
    cfg = load(locate(path.parent, path))
    if cfg.needs_migration:
        migrate(cfg)
    set_model(cfg, "claude-opus-5-5", "claude-haiku-5-5", prefer=["opus", "haiku"])
    monkeypatch.undo()
    return cfg.render()
