"""A config schema is one entry: a throw-away schema 3, registered only here, is read, named in
messages, migrated to (from 1 and from 2), reported by `status` and `migrate`, and written by
`set_model`, with no other change to the program."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import flux
from wizard import schemas
from wizard.errors import FilesError
from wizard.fluxconfig import load, locate, migrate, set_model
from wizard.migrations import Migration


def _edit(table: Any) -> None:
    table["model"]["pinned"] = False


def _transform(flux: dict[str, Any]) -> None:
    flux.setdefault("model", {})["pinned"] = False


def _read_v3(flux: dict[str, Any], display: str) -> schemas.Settings:
    pinned = flux.get("model", {}).get("pinned")
    if not isinstance(pinned, bool):
        raise FilesError(f"{display}: `model.pinned` must be true or false.", fix="Set it.")
    return schemas.SCHEMAS[2].read(flux, display)


@pytest.fixture
def schema_3(monkeypatch):
    step = Migration(lambda flux: "[model] gains pinned = false", _edit, _transform)
    monkeypatch.setitem(schemas.SCHEMAS, 3, schemas.Schema(3, _read_v3, step))


def test_schema_3_is_read_named_and_migrated_to_from_either_older_schema(tmp_path, schema_3):
    (tmp_path / "flux.toml").write_text('# mine\nmodel = "claude-sonnet-5-5"\n')
    cfg = load(locate(tmp_path))
    assert cfg.version == 1 and cfg.needs_migration
    assert migrate(cfg) == [
        "schema 1 -> 2: model moved into [model]",
        "schema 2 -> 3: [model] gains pinned = false",
    ]
    text = cfg.render().decode()
    assert text.startswith("# mine\nconfig_version = 3\n") and "pinned = false" in text
    (tmp_path / "flux.toml").write_text(text)
    again = load(locate(tmp_path))
    assert (again.version, again.model, again.needs_migration) == (3, "claude-sonnet-5-5", False)

    (tmp_path / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    two = load(locate(tmp_path))
    assert migrate(two) == ["schema 2 -> 3: [model] gains pinned = false"]
    assert two.render().decode().startswith("config_version = 3\n")


def test_messages_name_the_schemas_there_are(tmp_path, schema_3):
    for value, words in ((0, "must be 1, 2 or 3, not 0"), (4, "written by a newer flux-setup")):
        (tmp_path / "flux.toml").write_text(f"config_version = {value}\n")
        with pytest.raises(FilesError, match=words):
            load(locate(tmp_path))
    (tmp_path / "flux.toml").write_text('config_version = 3\n[model]\nid = "claude-opus-5-5"\n')
    with pytest.raises(FilesError, match="pinned"):  # schema 3's own reader runs
        load(locate(tmp_path))


def test_a_new_config_is_written_in_schema_3(tmp_path, schema_3):
    cfg = load(locate(tmp_path))
    set_model(cfg, "claude-opus-5-5")
    assert cfg.render().decode().startswith("config_version = 3\n")


def test_status_and_migrate_say_and_bring_schema_3(tmp_path, schema_3):
    (tmp_path / "flux.toml").write_text('config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n')
    status = flux("status", "--project", str(tmp_path))
    assert "Schema 2: `flux-setup migrate` brings it to schema 3." in status.stdout + status.stderr
    done = flux("migrate", "--yes", "--project", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert load(locate(tmp_path)).version == 3


def test_without_the_entry_there_is_no_schema_3(tmp_path):
    assert schemas.latest() == 2 and schemas.versions_said() == "1 or 2"
    (tmp_path / "flux.toml").write_text("config_version = 3\n")
    with pytest.raises(FilesError, match="newer flux-setup"):
        load(locate(tmp_path))
