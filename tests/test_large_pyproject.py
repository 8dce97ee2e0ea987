"""A large pyproject.toml is edited through its [tool.flux] alone: the rest is read piece by
piece and never held whole as a dict (a 4.9 MB file peaked at 35x its size in memory), the
bytes around the edit are kept, and a broken or invalid file is refused as before (#40). The
diff of a large file compares only the lines around the change."""

from __future__ import annotations

import difflib
import tomllib
import tracemalloc

import pytest

from tests.toml_layouts import AROUND, FLUX_PARTS, edited
from wizard import difftext, fluxconfig, tomlslice
from wizard.errors import FilesError
from wizard.fluxconfig import load, locate, set_model

FLUX = '[tool.flux]\nconfig_version = 2\n\n[tool.flux.model]\nid = "claude-3-haiku-20240307"\n'


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text)
    return path


def edited_in_pieces(path, monkeypatch) -> bytes:
    """The file as the edit leaves it when read in pieces of 8 characters, whatever its size."""
    fluxconfig._large.cache_clear()
    with monkeypatch.context() as patch:
        patch.setattr(fluxconfig, "LARGE", 0)
        patch.setattr(tomlslice, "PIECE", 8)
        sliced = edited(path, monkeypatch, whole=False)
    fluxconfig._large.cache_clear()
    return sliced


def other_tools(tables: int, name: str = "other") -> str:
    return "".join(f"[tool.{name}{i}]\na = {i}\nb = 'x{i}'\n" for i in range(tables))


@pytest.fixture
def pieces_everywhere(monkeypatch):
    """Every pyproject read as a large one, in pieces of a few characters."""
    monkeypatch.setattr(fluxconfig, "LARGE", 0)
    monkeypatch.setattr(tomlslice, "PIECE", 8)
    fluxconfig._large.cache_clear()
    yield
    fluxconfig._large.cache_clear()


@pytest.mark.parametrize("before,after", AROUND)
@pytest.mark.parametrize("part", FLUX_PARTS)
def test_read_in_pieces_the_edit_is_byte_for_byte_the_whole_files(
    tmp_path, monkeypatch, before, after, part
):
    path = write(tmp_path, "pyproject.toml", before + part + after)
    try:
        whole = edited(path, monkeypatch, whole=True)
    except FilesError:  # tomlkit cannot add [tool.flux.model] to the whole file's layout
        whole = None
    sliced = edited_in_pieces(path, monkeypatch)
    if whole is not None:
        assert sliced == whole
    assert sliced.decode().startswith(before)
    assert tomllib.loads(sliced.decode())["tool"]["flux"]["model"]["id"] == "claude-opus-5-5"


@pytest.mark.parametrize("part", FLUX_PARTS)
def test_a_crlf_pyproject_read_in_pieces_keeps_each_lines_ending(tmp_path, monkeypatch, part):
    text = (AROUND[1][0] + part + AROUND[1][1]).replace("\n", "\r\n")
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text.encode())
    whole = edited(path, monkeypatch, whole=True)
    sliced = edited_in_pieces(path, monkeypatch)
    assert sliced == whole
    assert b"\r\n" in sliced and b"\n" not in sliced.replace(b"\r\n", b"")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_large_pyproject_is_never_read_whole(tmp_path, monkeypatch, newline):
    text = other_tools(40_000) + FLUX + other_tools(2, "after")  # 1.2 MB
    text = text.replace("\n", newline)
    (tmp_path / "pyproject.toml").write_bytes(text.encode())
    read: list[int] = []
    real = tomllib.loads

    def counted(piece: str, **options: object) -> dict[str, object]:
        read.append(len(piece))
        return real(piece, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(tomlslice.tomllib, "loads", counted)
    fluxconfig._large.cache_clear()
    tracemalloc.start()
    try:
        cfg = load(locate(tmp_path))
        set_model(cfg, "claude-opus-5-5")
        rendered = cfg.render()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cfg.outside is not None and max(read) <= tomlslice.PIECE + 100
    assert peak < 10 * len(text), f"{peak / len(text):.1f}x the file"
    monkeypatch.undo()
    data = tomllib.loads(rendered.decode())
    assert data["tool"]["flux"]["model"]["id"] == "claude-opus-5-5"
    before, after = (other_tools(40_000), other_tools(2, "after"))
    assert rendered.decode().startswith(before.replace("\n", newline)), "the part before moved"
    assert rendered.decode().endswith(after.replace("\n", newline))


@pytest.mark.parametrize(
    "broken",
    [
        "[tool.other7]\nc = 1\n",  # a table defined twice, far apart: invalid TOML
        "[tool.late]\nx = = 1\n",  # a syntax error in a piece
        '[tool]\nflux.model.fallback = "y"\n',  # a flux setting outside [tool.flux]
    ],
)
def test_a_large_pyproject_that_pieces_cannot_vouch_for_is_read_whole(
    tmp_path, pieces_everywhere, broken
):
    text = other_tools(30) + FLUX + broken
    path = write(tmp_path, "pyproject.toml", text)
    whole_error = None
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        whole_error = exc
    if whole_error is not None:
        with pytest.raises(FilesError, match="invalid TOML"):
            load(locate(tmp_path, path))
    else:  # valid, but flux is set outside its tables: read whole, the whole decides
        cfg = load(locate(tmp_path, path))
        assert cfg.outside is None and cfg.fallback == "y"


def test_a_large_files_diff_is_difflibs_on_the_whole_file():
    lines = [f"VAR_{i}=value-{i}" for i in range(40_000)]
    before = "\r\n".join(lines) + "\r\n"
    edited = list(lines)
    edited[20_000] = "FLUX_MODEL=claude-opus-5-5"
    edited.insert(20_010, "ADDED=1")
    edited.append("LAST=1")
    after = "\r\n".join(edited) + "\r\n"
    assert len(before) > difftext.WHOLE_UP_TO
    whole = list(
        difflib.unified_diff(
            before.splitlines(), after.splitlines(), fromfile="a", tofile="b", lineterm=""
        )
    )
    assert difftext.unified(before, after, "a", "b") == whole
    assert whole[2] == "@@ -19998,7 +19998,7 @@"  # numbered as in the whole file
