"""Lossless .env edits: only the binding meant changes, every other byte stays."""

from __future__ import annotations

import io

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.envfile import parse, quote, remove, set_value
from wizard.errors import FilesError

M = "claude-opus-5-5"


@pytest.mark.parametrize(
    "before,after",
    [
        (b"", b"FLUX_MODEL=claude-opus-5-5\n"),
        (b"A=1\n", b"A=1\nFLUX_MODEL=claude-opus-5-5\n"),
        (b"A=1", b"A=1\nFLUX_MODEL=claude-opus-5-5\n"),  # missing final newline
        (b"FLUX_MODEL=old", b"FLUX_MODEL=claude-opus-5-5"),
        (b"A=1\r\nB=2\r\n", b"A=1\r\nB=2\r\nFLUX_MODEL=claude-opus-5-5\r\n"),  # CRLF
        (
            b"\xef\xbb\xbfA=1\nFLUX_MODEL=x\n",
            b"\xef\xbb\xbfA=1\nFLUX_MODEL=claude-opus-5-5\n",
        ),  # BOM
        (b"# top\n\n  FLUX_MODEL=x\n# end\n", b"# top\n\n  FLUX_MODEL=claude-opus-5-5\n# end\n"),
        (b"export FLUX_MODEL=x # pinned\n", b"export FLUX_MODEL=claude-opus-5-5 # pinned\n"),
        (b'FLUX_MODEL="x"\n', b'FLUX_MODEL="claude-opus-5-5"\n'),
        (b"FLUX_MODEL='x'  # c\r\n", b"FLUX_MODEL='claude-opus-5-5'  # c\r\n"),
        (b"FLUX_MODEL = x\n", b"FLUX_MODEL = claude-opus-5-5\n"),
        (b"A=1\r\nB=2\nC=3\r\n", b"A=1\r\nB=2\nC=3\r\nFLUX_MODEL=claude-opus-5-5\r\n"),  # mixed
        (b'A="multi\nline"\nFLUX_MODEL=x\n', b'A="multi\nline"\nFLUX_MODEL=claude-opus-5-5\n'),
        (b"not a binding ::\nFLUX_MODEL=x\n", b"not a binding ::\nFLUX_MODEL=claude-opus-5-5\n"),
    ],
)
def test_set_flux_model(before, after):
    env = parse(before)
    set_value(env, "FLUX_MODEL", M)
    assert env.to_bytes() == after


def test_duplicates_change_the_last_binding_and_say_so():
    env = parse(b"FLUX_MODEL=a\nX=1\nFLUX_MODEL=b\n")
    notes = set_value(env, "FLUX_MODEL", M)
    assert env.to_bytes() == b"FLUX_MODEL=a\nX=1\nFLUX_MODEL=claude-opus-5-5\n"
    assert any("line(s) 1" in n for n in notes)


def test_a_value_that_needs_quotes_reads_back_exactly():
    for value in ["has space", "it's", 'dq"', "back\\slash", "#hash", "${NOT_EXPANDED}", "é"]:
        env = parse(b"A=1\n")
        set_value(env, "V", value)
        read = dotenv_values(stream=io.StringIO(env.to_bytes().decode()), interpolate=False)
        assert read["V"] == value
    assert quote("claude-opus-5-5") == "claude-opus-5-5"


def test_a_swallowed_line_is_refused_with_its_line_number():
    data = b'A="abc\nFLUX_MODEL=x\nC="d"\n'
    with pytest.raises(FilesError) as info:
        set_value(parse(data), "FLUX_MODEL", M)
    assert "line 2" in info.value.message


def test_binary_and_invalid_utf8_are_refused():
    with pytest.raises(FilesError, match="NUL"):
        parse(b"A=1\n\x00\x01\x02")
    with pytest.raises(FilesError, match="UTF-8") as info:
        parse(b"A=1\nB=\xff\xfe\n")
    assert "line 2" in info.value.message


def test_invalid_names_and_values_are_rejected():
    env = parse(b"")
    for name in ("MY KEY", "B=C", "1X", ""):
        with pytest.raises(ValueError):
            set_value(env, name, "x")
    with pytest.raises(ValueError):
        set_value(env, "X", "a\nb")


def test_remove_takes_every_binding_of_the_key():
    env = parse(b"A=1\nK=x\nB=2\nexport K=y\n")
    assert remove(env, "K")
    assert env.to_bytes() == b"A=1\nB=2\n"
    assert not remove(env, "K")


lines = st.one_of(
    st.builds(
        lambda k, v: f"{k}={v}",
        st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
        st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True),
    ),
    st.builds(
        lambda k, v: f'export {k}="{v}"',
        st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
        st.from_regex(r"[a-z ]{0,8}", fullmatch=True),
    ),
    st.builds(
        lambda k, v: f"{k}='{v}' # note",
        st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
        st.from_regex(r"[a-z ]{0,8}", fullmatch=True),
    ),
    st.just("FLUX_MODEL=old"),
    st.just("export FLUX_MODEL='x y'  # pinned"),
    st.just("# a comment"),
    st.just(""),
    st.just("   "),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(lines, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.from_regex(r"[A-Za-z0-9 '\"#\\$._-]{0,20}", fullmatch=True),
)
def test_setting_a_key_changes_only_that_binding(body, newline, bom, final_newline, value):
    text = newline.join(body) + (newline if final_newline and body else "")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    env = parse(data)
    before_values = env.values()
    set_value(env, "FLUX_MODEL", value)
    out = env.to_bytes()
    assert out.startswith(b"\xef\xbb\xbf") == bom
    out_text = out.decode().removeprefix("\ufeff")
    # readers see the new value, and exactly the old values for every other key
    read = dotenv_values(stream=io.StringIO(out_text), interpolate=False)
    assert read["FLUX_MODEL"] == value
    assert {k: v for k, v in read.items() if k != "FLUX_MODEL"} == {
        k: v for k, v in before_values.items() if k != "FLUX_MODEL"
    }
    old_lines = text.splitlines(keepends=True)
    new_lines = out_text.splitlines(keepends=True)
    binding_lines = [i for i, line in enumerate(old_lines) if "FLUX_MODEL=" in line]
    if binding_lines:
        # in place: every other line byte-identical, the binding keeps prefix and comment
        last = binding_lines[-1]
        assert len(new_lines) == len(old_lines)
        assert [x for i, x in enumerate(new_lines) if i != last] == [
            x for i, x in enumerate(old_lines) if i != last
        ]
        assert new_lines[last].startswith(old_lines[last].split("FLUX_MODEL")[0])
        if "# pinned" in old_lines[last]:
            assert new_lines[last].rstrip("\r\n").endswith("# pinned")
    else:
        # appended: the old text is a byte-identical prefix (plus a final newline if it lacked one)
        used = newline if "\n" in text else "\n"  # a file without line ends gets \n
        prefix = text + (used if text and not text.endswith(("\n", "\r")) else "")
        assert out_text.startswith(prefix)
        assert out_text[len(prefix) :].startswith("FLUX_MODEL=")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_utf16_not_as_binary(encoding):
    # Windows editors save .env as UTF-16; "contains NUL bytes" would send the user astray
    with pytest.raises(FilesError, match="saved as UTF-16") as info:
        parse("FLUX_MODEL=claude-3-haiku-20240307\nA=1\n".encode(encoding))
    assert "UTF-8" in (info.value.fix or "")


@pytest.mark.parametrize(
    "data",
    [
        b"A='x\x0cy'\nFLUX_MODEL=old\n",  # a form feed inside a value
        "A='x\u2028y'\nFLUX_MODEL=old\n".encode(),  # a line separator inside a value
        "A=x\u0085y\nFLUX_MODEL=old\n".encode(),  # U+0085 (NEL)
        b"A=1\r\rFLUX_MODEL=old\r",  # lone CR line ends with a blank line
    ],
    ids=["form-feed", "u2028", "nel", "lone-cr"],
)
def test_lines_are_counted_as_python_dotenv_counts_them(data):
    env = parse(data)
    set_value(env, "FLUX_MODEL", M)  # no false "an earlier line (an unterminated quote?)"
    assert env.values()["FLUX_MODEL"] == M
    assert env.to_bytes() == data.replace(b"FLUX_MODEL=old", b"FLUX_MODEL=" + M.encode())
