"""The Flux config: discovery, schemas 1 and 2, validation, lossless edits, migrations."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import KEY, flux
from tests.toml_layouts import AROUND, FLUX_PARTS, edited
from wizard.errors import FilesError
from wizard.fluxconfig import load, locate, migrate, set_model


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_discovery_order(tmp_path):
    assert locate(tmp_path).path.name == "flux.toml" and not locate(tmp_path).exists
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n")
    assert not locate(tmp_path).in_pyproject  # no [tool.flux]: a new flux.toml
    write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\n[tool.flux]\nconfig_version = 2\n")
    assert locate(tmp_path).in_pyproject
    write(tmp_path, "flux.toml", "config_version = 2\n")
    assert locate(tmp_path).path.name == "flux.toml"
    other = write(tmp_path, "other.toml", "")
    assert locate(tmp_path, other).path == other


SCHEMA1 = [
    ('model = "m1"\n', {"config_version": 2, "model": {"id": "m1"}}),
    (
        'model = "m1"\nfallback_model = "m2"\n',
        {"config_version": 2, "model": {"id": "m1", "fallback": "m2"}},
    ),
    (
        '# head\nmodel = "m1"  # why\napi_key = "sk-ant-api03-x"\nother = 1\n\n[ui]\nt = "d"\n',
        {"config_version": 2, "other": 1, "ui": {"t": "d"}, "model": {"id": "m1"}},
    ),
    ('fallback_model = "m2"\n', {"config_version": 2, "model": {"fallback": "m2"}}),
    ('api_key = "sk-ant-api03-x"\n', {"config_version": 2}),
]


@pytest.mark.parametrize("text,expected", SCHEMA1)
def test_schema_1_layouts_migrate_to_2(tmp_path, text, expected):
    write(tmp_path, "flux.toml", text)
    cfg = load(locate(tmp_path))
    assert cfg.version == 1
    migrate(cfg)
    out = cfg.render().decode()
    assert tomllib.loads(out) == expected
    for line in text.splitlines():  # comments and unrelated keys survive verbatim
        if line.startswith("#") or line.startswith("other") or line.startswith("[ui]"):
            assert line in out


def test_schema_1_in_pyproject_migrates_inside_tool_flux(tmp_path):
    text = '[project]\nname = "x"  # keep\n\n[tool.flux]\nmodel = "m1"\napi_key = "k"\n\n[tool.ruff]\nline-length = 90\n'
    write(tmp_path, "pyproject.toml", text)
    cfg = load(locate(tmp_path))
    assert cfg.api_key == "k"
    migrate(cfg)
    out = cfg.render().decode()
    assert tomllib.loads(out) == {
        "project": {"name": "x"},
        "tool": {"flux": {"config_version": 2, "model": {"id": "m1"}}, "ruff": {"line-length": 90}},
    }
    assert 'name = "x"  # keep' in out
    assert out.index("[tool.flux.model]") < out.index("[tool.ruff]")


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            'config_version = 2\n[model]\nid = "a"  # pinned\n',
            'config_version = 2\n[model]\nid = "claude-opus-5-5"  # pinned\n',
        ),
        ("config_version = 2\nmodel.id = 'a'\nmodel.prefer = ['opus']\nx = 1\n", None),
        ('config_version = 2\nmodel = { id = "a", fallback = "b" }\n', None),
        ('config_version = 2\n\n[model]\nid = "a"\n\n[[plugins]]\nname = "p"\n', None),
        ("", 'config_version = 2\n\n[model]\nid = "claude-opus-5-5"\n'),
    ],
)
def test_set_model_changes_only_the_model(tmp_path, text, expected):
    write(tmp_path, "flux.toml", text)
    cfg = load(locate(tmp_path))
    before = tomllib.loads(text)
    set_model(cfg, "claude-opus-5-5")
    out = cfg.render().decode()
    if expected is not None:
        assert out == expected
    data = tomllib.loads(out)
    before.setdefault("config_version", 2)
    before.setdefault("model", {})["id"] = "claude-opus-5-5"
    assert data == before


def test_crlf_and_bom_are_kept(tmp_path):
    write(tmp_path, "flux.toml", b'\xef\xbb\xbf# c\r\nmodel = "a"\r\n')
    cfg = load(locate(tmp_path))
    migrate(cfg)
    set_model(cfg, "b")
    out = cfg.render()
    assert out.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in out.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "text,words",
    [
        ("model = 5\n", "`model` must be a model ID string, not an integer"),
        ("config_version = 2\n[[model]]\nid = 'x'\n", "`model` must be a table"),
        ("config_version = 2\nmodel = 'x'\n", "`model` must be a table"),
        ("config_version = 2\n[model]\nprefer = 'opus'\n", "model.prefer"),
        ("config_version = 9\n", "newer flux-setup"),
        ("config_version = 'two'\n", "config_version"),
        ("a = 1\na = 2\n", "line 2"),
        ('model = "x\n', "line 1"),
        ("[model\nid = 1\n", "line 1, column"),
    ],
)
def test_bad_configs_name_the_key_or_the_line(tmp_path, text, words):
    write(tmp_path, "flux.toml", text)
    with pytest.raises(FilesError) as info:
        load(locate(tmp_path))
    assert words in info.value.message
    assert info.value.code == 6


keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda k: k not in ("model", "config_version")
)
scalars = st.one_of(
    st.integers(-1000, 1000),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=10),
    st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(keys, scalars, max_size=5),
    st.dictionaries(keys, st.dictionaries(keys, scalars, max_size=3), max_size=3),
    st.booleans(),
)
def test_generated_configs_edit_to_exactly_the_intended_data(
    tmp_path_factory, top, tables, schema1
):
    import tomlkit

    doc = tomlkit.document()
    for k, v in top.items():
        doc[k] = v
    if schema1:
        doc["model"] = "old-model"
    for k, v in tables.items():
        if k not in top:
            doc[k] = v
    folder = tmp_path_factory.mktemp("gen")
    text = tomlkit.dumps(doc)
    (folder / "flux.toml").write_text(text)
    cfg = load(locate(folder))
    migrate(cfg)
    set_model(cfg, "claude-opus-5-5", "claude-haiku-5-5")
    expected = tomllib.loads(text)
    expected.pop("model", None)
    expected["config_version"] = 2
    expected["model"] = {"id": "claude-opus-5-5", "fallback": "claude-haiku-5-5"}
    assert tomllib.loads(cfg.render().decode()) == expected


def test_a_utf16_config_is_named_as_utf16(tmp_path):
    (tmp_path / "flux.toml").write_bytes('[model]\nid = "x"\n'.encode("utf-16"))
    with pytest.raises(FilesError, match="saved as UTF-16"):
        load(locate(tmp_path))


def test_a_nan_anywhere_in_the_document_does_not_block_the_edit(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.other]\nlimit = nan\nlist = [nan, 1.0]\n\n'
        "[tool.flux]\nconfig_version = 2\n"
    )
    cfg = load(locate(tmp_path))
    set_model(cfg, "claude-opus-5-5")
    text = cfg.render().decode()
    assert "limit = nan" in text and "list = [nan, 1.0]" in text
    assert 'id = "claude-opus-5-5"' in text


def test_in_a_mostly_crlf_file_only_the_new_lines_get_crlf(tmp_path):
    original = (
        '# flux\r\nconfig_version = 2\r\nnote = """a\nb"""\r\nlf_line = 1\n'
        '[model]\r\nid = "claude-3-haiku-20240307"\r\n'
    )
    (tmp_path / "flux.toml").write_bytes(original.encode())
    cfg = load(locate(tmp_path))
    set_model(cfg, "claude-opus-5-5", "claude-sonnet-5-5")
    assert cfg.render().decode() == (
        '# flux\r\nconfig_version = 2\r\nnote = """a\nb"""\r\nlf_line = 1\n'
        '[model]\r\nid = "claude-opus-5-5"\r\nfallback = "claude-sonnet-5-5"\r\n'
    )


def test_migration_keeps_the_inline_comments_of_the_keys_it_moves(tmp_path):
    (tmp_path / "flux.toml").write_text(
        '# top\nmodel = "claude-3-haiku-20240307"   # the cheap one\n'
        'fallback_model = "claude-3-opus-20240229" # backup\n\n[editor]\ntheme = "dark"\n'
    )
    cfg = load(locate(tmp_path))
    migrate(cfg)
    text = cfg.render().decode()
    assert 'id = "claude-3-haiku-20240307"   # the cheap one' in text
    assert 'fallback = "claude-3-opus-20240229" # backup' in text
    assert text.startswith("# top\n")


def test_a_config_from_a_newer_flux_setup_says_how_to_upgrade_for_every_install(tmp_path):
    write(tmp_path, "flux.toml", "config_version = 9\n")
    with pytest.raises(FilesError) as info:
        load(locate(tmp_path))
    assert "pipx upgrade flux-setup" in (info.value.fix or "")
    assert "pip install -U flux-setup" in (info.value.fix or "")


def test_migrating_leaves_no_pile_of_blank_lines_where_keys_were(tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.flux]\nmodel = "claude-3-haiku-20240307"\n\n'
        'fallback_model = "claude-3-haiku-20240307"\n\n[tool.other]\na = 1\n',
    )
    cfg = load(locate(tmp_path))
    migrate(cfg)
    text = cfg.render().decode()
    assert "\n\n\n" not in text
    assert 'id = "claude-3-haiku-20240307"\nfallback = "claude-3-haiku-20240307"\n' in text
    assert text.endswith("\n\n[tool.other]\na = 1\n")


def test_a_tool_flux_table_split_by_other_tables_is_refused_clearly_and_left_as_it_was(
    tmp_path, sim
):
    """[tool.flux] and [tool.flux.extra] with [tool.ruff] between them: tomlkit can read it
    but not edit it without breaking it. Exit 6 with the fix, never a bug, nothing written."""
    text = (
        "[tool.black]\nline-length = 100\n\n[tool.flux]\n"
        'model = "claude-3-haiku-20240307"  # mine\n\n[tool.ruff]\nline-length = 99\n\n'
        "[tool.flux.extra]\na = 1\n"
    )
    (tmp_path / "pyproject.toml").write_text(text)
    env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": sim.base_url}
    for args in (["migrate", "--yes"], ["run", "--yes", "--no-verify"]):
        result = flux(*args, "--project", str(tmp_path), env=env)
        assert result.returncode == 6, (args, result.stderr, result.stdout)
        said = result.stdout + result.stderr
        assert "[tool.flux] is split into parts" in said and "a bug" not in said
        assert (tmp_path / "pyproject.toml").read_text() == text


# -- a large pyproject.toml: tomlkit reads only its [tool.flux] tables -------------------------


@pytest.mark.parametrize("before,after", AROUND)
@pytest.mark.parametrize("part", FLUX_PARTS)
def test_a_pyproject_edited_through_its_flux_part_is_byte_for_byte_the_whole_files_edit(
    tmp_path, monkeypatch, before, after, part
):
    path = write(tmp_path, "pyproject.toml", before + part + after)
    sliced = edited(path, monkeypatch, whole=False)
    try:
        whole = edited(path, monkeypatch, whole=True)
    except FilesError:  # tomlkit cannot add [tool.flux.model] to the whole file's layout
        whole = None
    if whole is not None:
        assert sliced == whole
    data = tomllib.loads(sliced.decode())
    assert data["tool"]["flux"]["model"]["id"] == "claude-opus-5-5"
    assert sliced.decode().startswith(before)
    expected = tomllib.loads(before + part + after)
    expected["tool"].pop("flux")
    data["tool"].pop("flux")
    assert data == expected  # nothing outside [tool.flux] changed


def test_the_flux_part_is_used_for_a_plain_layout_and_not_for_a_header_in_a_string(tmp_path):
    plain = write(tmp_path, "pyproject.toml", AROUND[1][0] + FLUX_PARTS[1] + AROUND[1][1])
    assert load(locate(tmp_path, plain)).outside is not None  # only [tool.flux] was parsed
    tricky = write(tmp_path, "pyproject.toml", AROUND[3][0] + FLUX_PARTS[1] + AROUND[3][1])
    assert load(locate(tmp_path, tricky)).outside is None  # read whole: the strings decide
