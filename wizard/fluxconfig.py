"""The Flux config: find it, read it in any schema `wizard/schemas.py` knows, validate, edit
losslessly, migrate.

Edits go through tomlkit so only the intended tokens change; after every edit the output is
re-parsed with tomllib and compared with the intended data (tomlkit's dotted-table trap).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard import schemas
from wizard.constants import CONFIG_NAME, PYPROJECT_NAME
from wizard.errors import FilesError
from wizard.fileio import read_optional
from wizard.jsontypes import as_object
from wizard.textfile import BOM, Decoded, crlf_for_new_lines, decode
from wizard.tomlslice import LARGE, FluxPart, flux_span, read_large

if TYPE_CHECKING:  # tomlkit (~25 ms to import) only for an edit: reading needs tomllib alone
    import tomlkit

    from wizard.migrations import FluxTable


@dataclass
class ConfigLocation:
    path: Path
    in_pyproject: bool
    exists: bool

    @property
    def where(self) -> str:
        return f"{self.path.name} [tool.flux]" if self.in_pyproject else self.path.name


def _parse(text: str, display: str) -> tomlkit.TOMLDocument:
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        reason = str(exc).split(" at line ")[0].rstrip(".")
        if "\\x00" in reason or "\x00" in reason:
            reason = "unexpected end of file (an unclosed bracket or string?)"
        raise FilesError(
            f"{display}: invalid TOML at line {exc.line}, column {exc.col + 1}: {reason}.",
            fix=f"Correct line {exc.line} of {display}, then rerun.",
        ) from None
    except TOMLKitError as exc:  # e.g. a duplicate key, which is no ParseError
        raise FilesError(
            f"{display}: invalid TOML: {str(exc).rstrip('.')}.",
            fix=f"Correct {display}, then rerun.",
        ) from None


@functools.lru_cache(maxsize=2)
def _loads(text: str) -> dict[str, object]:
    """tomllib's reading of a whole file, made once for `locate` and `load` alike (a 5 MB
    pyproject takes seconds each time). Shared: never mutated by its readers."""
    data: dict[str, object] = tomllib.loads(text)
    return data


@functools.lru_cache(maxsize=2)
def _large(text: str) -> FluxPart | None:
    """A large pyproject's [tool.flux] read alone, made once for `locate` and `load` alike
    (None: small, or its pieces may not read as the whole does: it is read whole)."""
    return read_large(text) if len(text) > LARGE else None


def locate(project: Path, config: Path | None = None) -> ConfigLocation:
    """--config; else flux.toml; else pyproject.toml when it has [tool.flux]; else a new flux.toml."""
    if config is not None:
        return ConfigLocation(config, config.name == PYPROJECT_NAME, config.exists())
    flux = project / CONFIG_NAME
    if flux.exists():
        return ConfigLocation(flux, False, True)
    pyproject = project / PYPROJECT_NAME
    data = read_optional(pyproject, flag="--config")
    if data is not None:
        text = decode(data, pyproject.name, flag="--config").text
        large = _large(text)
        if large is not None:
            found = large.data is not None
            return ConfigLocation(pyproject if found else flux, found, found)
        try:  # tomllib is several times faster than tomlkit, and this is only a peek
            doc: dict[str, object] = _loads(text)
        except tomllib.TOMLDecodeError:
            doc = _parse(text, pyproject.name)  # tomlkit's error names line and column
        tool = doc.get("tool")
        if isinstance(tool, dict) and "flux" in tool:
            return ConfigLocation(pyproject, True, True)
    return ConfigLocation(flux, False, False)


@dataclass
class FluxConfig:
    """The Flux settings, read and validated (by tomllib); `doc` is the editable document,
    parsed by tomlkit from `source` when first edited (None: a new, empty document)."""

    location: ConfigLocation
    original: bytes | None
    source: str | None
    bom: bool = False
    newline: str = "\n"
    version: int = dataclasses.field(default_factory=schemas.latest)
    model: str | None = None
    fallback: str | None = None
    prefer: list[str] | None = None
    api_key: str | None = None
    # A large pyproject.toml: `doc` holds only its [tool.flux] tables, `head` and `tail` the
    # text around them, byte for byte, and `outside` the settings outside them (tomlslice.py).
    head: str = ""
    tail: str = ""
    outside: dict[str, object] | None = None
    _doc: tomlkit.TOMLDocument | None = dataclasses.field(default=None, repr=False)

    @property
    def doc(self) -> tomlkit.TOMLDocument:
        if self._doc is None:
            if self.source is None:
                import tomlkit

                self._doc = tomlkit.document()
            else:
                self._doc = _parse(self.source, self.location.path.name)
        return self._doc

    @property
    def display(self) -> str:
        return self.location.where

    def table(self) -> FluxTable:
        """The Flux table inside the document (the document itself for flux.toml)."""
        import tomlkit
        from tomlkit.container import OutOfOrderTableProxy
        from tomlkit.items import Table

        if not self.location.in_pyproject:
            return self.doc
        if "tool" not in self.doc:
            self.doc["tool"] = tomlkit.table(is_super_table=True)
        tool = self.doc["tool"]  # a proxy when the [tool.*] tables stand apart
        if not isinstance(tool, (Table, OutOfOrderTableProxy)):
            raise FilesError(f"{self.display}: `tool` must be a table.", fix="Make it [tool.*].")
        if "flux" not in tool:
            tool["flux"] = tomlkit.table()
        flux = tool["flux"]
        if isinstance(flux, OutOfOrderTableProxy):
            raise FilesError(
                f"{self.display}: [tool.flux] is split into parts that other tables stand "
                "between: flux-setup cannot edit it without moving them; nothing was written.",
                fix="Put [tool.flux] and its sub-tables ([tool.flux.*]) next to each other, "
                "then rerun.",
            )
        if not isinstance(flux, Table):  # validated on load
            raise FilesError(f"{self.display}: [tool.flux] must be a table.", fix="Make it one.")
        return flux

    def render(self) -> bytes:
        import tomlkit

        text = tomlkit.dumps(self.doc)
        if self.newline == "\r\n" and self.outside is not None:
            # only the part was edited: its lines decide (not the whole file's, matched anew)
            text = crlf_for_new_lines(self.source or "", text)
        text = self.head + text + self.tail
        if self.newline == "\r\n" and self.outside is None:
            text = crlf_for_new_lines(self._original_text(), text)
        return ((BOM if self.bom else "") + text).encode("utf-8")

    def _original_text(self) -> str:
        if self.original is None:
            return ""
        return self.original.decode("utf-8", "replace").removeprefix(BOM)

    @property
    def schema(self) -> schemas.Schema:
        """The schema the file is written in (the newest for a file not created yet)."""
        return schemas.SCHEMAS[self.version]

    @property
    def needs_migration(self) -> bool:
        return self.location.exists and self.version < schemas.latest()


def _same(a: object, b: object) -> bool:
    """Equal as settings, NaN included (nan never equals itself, and a `nan` in another tool's
    table must not make every edit look wrong)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def load(location: ConfigLocation) -> FluxConfig:
    data = read_optional(location.path, flag="--config") if location.exists else None
    if data is None:
        return FluxConfig(ConfigLocation(location.path, location.in_pyproject, False), None, None)
    decoded = decode(data, location.path.name, flag="--config")
    text = decoded.text
    large = _large(text) if location.in_pyproject else None
    if large is not None and large.span is not None:
        return _load_part(location, data, decoded, large)
    try:
        plain = _loads(text)
    except tomllib.TOMLDecodeError as exc:
        _parse(text, location.path.name)  # tomlkit's error names the line and column
        raise FilesError(  # tomllib refused what tomlkit reads: say tomllib's words
            f"{location.path.name}: invalid TOML: {exc}.", fix="Correct it, then rerun."
        ) from None
    span = flux_span(text, plain, _same) if location.in_pyproject else None
    if span is None:
        cfg = FluxConfig(location, data, text, bom=decoded.bom, newline=decoded.newline)
    else:
        start, end = span
        tool = as_object(plain.get("tool"))  # a table: flux_span found [tool.flux] in it
        outside = {**plain, "tool": {k: v for k, v in tool.items() if k != "flux"}}
        cfg = FluxConfig(location, data, text[start:end], bom=decoded.bom, newline=decoded.newline)
        cfg.head, cfg.tail, cfg.outside = text[:start], text[end:], outside
    _read_settings(cfg, _flux_table(plain, location))
    return cfg


def _load_part(
    location: ConfigLocation, data: bytes, decoded: Decoded, large: FluxPart
) -> FluxConfig:
    """A large pyproject by its [tool.flux] alone (`tomlslice.read_large`): the text around it
    kept byte for byte, and nothing of the other tools' settings held (the edit needs none)."""
    assert large.span is not None
    start, end = large.span
    text = decoded.text
    cfg = FluxConfig(location, data, text[start:end], bom=decoded.bom, newline=decoded.newline)
    cfg.head, cfg.tail, cfg.outside = text[:start], text[end:], {"tool": {}}
    _read_settings(cfg, _flux_table({"tool": {"flux": large.data}}, location))
    return cfg


def _read_settings(cfg: FluxConfig, flux: dict[str, object]) -> None:
    cfg.version = schemas.version_of(flux, cfg.location.where)
    settings = schemas.SCHEMAS[cfg.version].read(flux, cfg.location.where)
    cfg.model, cfg.fallback = settings.model, settings.fallback
    cfg.prefer, cfg.api_key = settings.prefer, settings.api_key


def _flux_table(plain: dict[str, object], location: ConfigLocation) -> dict[str, object]:
    if not location.in_pyproject:
        return plain
    flux = as_object(plain.get("tool")).get("flux", {})
    if not isinstance(flux, dict):
        raise FilesError(
            f"{location.where}: [tool.flux] must be a table.", fix="Make it a [tool.flux] table."
        )
    return flux


def _plain(cfg: FluxConfig) -> dict[str, object]:
    import tomlkit

    data: dict[str, object] = tomllib.loads(tomlkit.dumps(cfg.doc))
    if cfg.outside is None:
        return data
    tool = {**_sub(cfg.outside, "tool"), "flux": _sub(_sub(data, "tool"), "flux")}
    return {**cfg.outside, "tool": tool}


def _sub(data: dict[str, object], key: str) -> dict[str, object]:
    """The table under `key` of plain data, made when missing (a validated config has no
    other kind of value there)."""
    found = data.setdefault(key, {})
    if not isinstance(found, dict):
        raise FilesError(f"`{key}` must be a table.", fix=f"Make `{key}` a table.")
    return found


def _flux_part(data: dict[str, object], in_pyproject: bool) -> dict[str, object]:
    return _sub(_sub(data, "tool"), "flux") if in_pyproject else data


def _verify(cfg: FluxConfig, expected: dict[str, object]) -> None:
    if cfg.outside is None:
        text = cfg.render().decode("utf-8").lstrip(BOM)
    else:
        # Only [tool.flux] was parsed and edited: every table header of the file outside it is
        # untouched text, and none of them holds a flux setting (tomlslice.flux_span), so the
        # edited part read alone decides. It must end a line, or it would run into the next.
        import tomlkit

        text = tomlkit.dumps(cfg.doc)
        expected = {"tool": {"flux": _flux_part(expected, True)}}
        if cfg.tail and not text.endswith("\n"):
            text = "= not TOML"
    try:
        actual: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        actual = None  # tomlkit produced TOML that does not read: never written
    if not _same(actual, expected):  # tomlkit produced something else than intended
        raise FilesError(
            f"{cfg.display}: the edit would not produce the intended settings; nothing was written.",
            fix="Edit the file by hand, and report its layout as a bug.",
        )


def migrate(cfg: FluxConfig) -> list[str]:
    """Bring the config to the latest schema in place; returns each step's summary. The
    api_key of schema 1 is removed here; the caller moves it into .env."""
    from wizard.migrations import put_first

    done: list[str] = []
    if not cfg.needs_migration:
        return done
    expected = _plain(cfg)
    for schema in schemas.steps_from(cfg.version):
        step = schema.upgrade
        assert step is not None  # steps_from returns only schemas with a step up to them
        table, plain = cfg.table(), _flux_part(expected, cfg.location.in_pyproject)
        summary = step.summary(plain)  # before the step: what it is about to move
        step.edit(table)
        step.transform(plain)
        # the version is the registry's to write, not each step's
        if "config_version" in table:
            table["config_version"] = schema.version
        else:
            put_first(table, "config_version", schema.version)
        plain["config_version"] = schema.version
        done.append(f"schema {cfg.version} -> {schema.version}: {summary}")
        cfg.version = schema.version
    _verify(cfg, expected)
    return done


def set_model(
    cfg: FluxConfig,
    model: str,
    fallback: str | None = None,
    *,
    keep_fallback: bool = True,
    prefer: list[str] | None = None,
) -> None:
    """Set [model].id (and fallback, and the line order) in a config of the newest schema,
    creating what is missing."""
    import tomlkit
    from tomlkit.items import Table

    from wizard.migrations import add_table, put_first, put_key

    if cfg.needs_migration:
        raise ValueError("migrate the config first")
    expected = _plain(cfg)
    flux = _flux_part(expected, cfg.location.in_pyproject)
    flux.setdefault("config_version", schemas.latest())
    section = _sub(flux, "model")
    section["id"] = model
    if fallback is not None:
        section["fallback"] = fallback
    elif not keep_fallback:
        section.pop("fallback", None)
    if prefer is not None:
        section["prefer"] = list(prefer)
    table = cfg.table()
    if "config_version" not in table:
        put_first(table, "config_version", schemas.latest())
    if "model" not in table:
        add_table(table, "model", tomlkit.table())
    model_table = table["model"]
    if not isinstance(model_table, (Table, dict)):
        raise FilesError(f"{cfg.display}: `model` must be a table.", fix="Make it a [model] table.")
    model_table["id"] = model
    if fallback is not None:
        put_key(model_table, "fallback", fallback)
    elif not keep_fallback and "fallback" in model_table:
        del model_table["fallback"]
    if prefer is not None and cfg.prefer != list(prefer):
        put_key(model_table, "prefer", list(prefer))
        cfg.prefer = list(prefer)
    cfg.model = model
    cfg.fallback = fallback if fallback is not None else (cfg.fallback if keep_fallback else None)
    _verify(cfg, expected)
