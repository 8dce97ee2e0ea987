"""Keys: sources and precedence, normalisation, offline form checks, fingerprints."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import KEY
from wizard.keys import ApiKey, check_form, discover, fingerprint, normalise

GOOD = KEY


@pytest.mark.parametrize(
    "pasted",
    [
        GOOD,
        f"  {GOOD}\n",
        f'"{GOOD}"',
        f"'{GOOD}'",
        f"ANTHROPIC_API_KEY={GOOD}",
        f'export ANTHROPIC_API_KEY="{GOOD}"\r\n',
        f"ANTHROPIC_API_KEY = '{GOOD}'",
        f"Bearer {GOOD}",
        f"{GOOD}\u200b",  # a zero-width space copied from a web page
        f"\ufeff{GOOD}\r\n",  # a file saved with a BOM, piped in
    ],
)
def test_pasted_keys_are_normalised(pasted):
    assert normalise(pasted) == GOOD
    assert check_form(normalise(pasted)) is None


@pytest.mark.parametrize(
    "value,code,words",
    [
        ("", "key_missing", "empty"),
        (GOOD[:50] + " " + GOOD[50:], "key_malformed", "spaces"),
        (GOOD[:50] + "\x00" + GOOD[50:], "key_malformed", "control"),
        ("sk-ant-admin01-" + "a" * 90, "key_wrong_kind", "Admin"),
        ("sk-ant-oat01-" + "a" * 90, "key_wrong_kind", "OAuth"),
        ("sk-proj-" + "a" * 90, "key_wrong_kind", "another vendor"),
        ("sk-" + "a" * 48, "key_wrong_kind", "another vendor"),
        ("sk-ant-api02-" + "a" * 90, "key_malformed", "does not look like"),
        ("AKIA" + "A" * 30, "key_malformed", "does not look like"),
        ("sk-ant-api03-" + "a" * 40 + "é" + "a" * 40, "key_malformed", "characters"),
        (GOOD[:40], "key_malformed", "cut off"),
    ],
)
def test_offline_form_checks_name_the_problem(value, code, words):
    problem = check_form(value)
    assert problem is not None
    assert problem.code == code
    assert words in problem.message
    if value:
        assert value not in problem.message + problem.next_step


def test_fingerprint_shows_first_12_and_last_4_only():
    assert fingerprint(GOOD) == GOOD[:12] + "..." + GOOD[-4:]
    assert fingerprint("") == "(empty)"
    short = "sk-ant-api03-abc"
    assert len(fingerprint(short).replace("...", "")) < 8


# printable text: control and bidi characters are shown escaped (tests/test_hostile_round3.py)
PRINTABLE = st.characters(blacklist_characters=".", blacklist_categories=("Cc", "Cf", "Zl", "Zp"))


@settings(deadline=None)  # no timing in tests: shared machines are slow at times
@given(st.text(alphabet=PRINTABLE, min_size=0, max_size=200))
def test_a_fingerprint_shows_only_the_ends_and_never_more_than_a_quarter_of_a_short_key(value):
    head, _, tail = fingerprint(value).partition("...")
    if not value:
        return
    # what is shown is the key's own first and last characters, nothing from the middle
    assert value.startswith(head) and value.endswith(tail)
    if len(value) >= 32:
        assert (len(head), len(tail)) == (12, 4)
    else:  # a short value (a cut-off paste) shows at most a quarter of itself
        assert len(head) + len(tail) <= len(value) // 4


BODY = KEY[len("sk-ant-api03-") :]


@pytest.mark.parametrize(
    "prefix,kind_code",
    [
        ("sk-ant-api03-", None),
        ("sk-ant-admin01-", "key_wrong_kind"),
        ("sk-ant-oat01-", "key_wrong_kind"),
        ("sk-ant-api02-", "key_malformed"),
        ("sk-proj-", "key_wrong_kind"),
        ("AKIA", "key_malformed"),
    ],
)
@pytest.mark.parametrize(
    "body,body_code",
    [
        (BODY, None),
        (BODY[:30], "key_malformed"),  # cut off in a paste
        (BODY[:40] + " " + BODY[40:], "key_malformed"),
        (BODY[:40] + "\x7f" + BODY[40:], "key_malformed"),
        (BODY[:40] + "=+/" + BODY[40:], "key_malformed"),
        (BODY[:40] + "é" + BODY[40:], "key_malformed"),
    ],
    ids=["whole", "cut-off", "space", "control", "punctuation", "non-ascii"],
)
def test_every_prefix_and_body_gets_its_verdict_without_the_key_in_it(
    prefix, kind_code, body, body_code
):
    value = prefix + body
    problem = check_form(value)
    # spaces and control characters are named first (a broken paste), then a wrong kind of key,
    # then a malformed body of an API key
    broken_paste = " " in body or "\x7f" in body
    expected = "key_malformed" if broken_paste else kind_code or body_code
    assert (problem.code if problem else None) == expected
    if problem is not None:
        assert value not in problem.message + problem.next_step
        assert body not in problem.message + problem.next_step


def test_the_key_object_never_shows_its_value():
    key = ApiKey(GOOD, "env")
    assert GOOD not in repr(key)
    assert GOOD not in str(key)
    assert GOOD not in f"{key}"
    assert key.reveal() == GOOD
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_precedence_is_stdin_env_env_file_config():
    other = "sk-ant-api03-" + "Other" * 18 + "ABCD"
    found = discover(
        stdin=None,
        environ={"ANTHROPIC_API_KEY": other},
        env_file={"ANTHROPIC_API_KEY": GOOD},
        config_api_key=GOOD,
    )
    assert found.key is not None and found.key.source == "env"
    assert found.key.reveal() == other
    assert found.conflict
    message = found.describe_conflict()
    assert message is not None
    assert fingerprint(other) in message and fingerprint(GOOD) in message
    assert GOOD not in message and other not in message

    from_stdin = discover(stdin=GOOD + "\n", environ={"ANTHROPIC_API_KEY": other})
    assert from_stdin.key is not None and from_stdin.key.source == "stdin"


def test_same_key_in_two_places_is_no_conflict_and_empty_variables_do_not_count():
    found = discover(
        environ={"ANTHROPIC_API_KEY": ""},
        env_file={"ANTHROPIC_API_KEY": GOOD},
        config_api_key=f'"{GOOD}"',
    )
    assert found.key is not None and found.key.source == "env_file"
    assert not found.conflict
    assert discover().key is None


def test_a_sentence_naming_a_key_kind_keeps_its_prefix():
    from wizard.keys import check_form, mask_secrets

    problem = check_form("sk-ant-admin01-" + "A" * 90)
    assert problem is not None
    assert "(sk-ant-admin01-...)" in mask_secrets(problem.message)
    # a real key behind the prefix is still masked
    assert "A" * 20 not in mask_secrets("sk-ant-admin01-" + "A" * 90)


def test_a_dns_failure_is_said_as_one():
    from wizard.diagnosis import from_failure
    from wizard.failures import ApiFailure
    from wizard.vocab import FailureKind

    dns = ApiFailure(FailureKind.REFUSED, message="[Errno -2] Name or service not known")
    said = from_failure(dns, base_url="https://api.example.invalid").message
    assert "did not resolve (DNS" in said and "nothing answered" not in said
    refused = ApiFailure(FailureKind.REFUSED, message="[Errno 111] Connection refused")
    assert "nothing answered there" in from_failure(refused).message


def test_a_piped_keys_problem_names_its_source_without_doubled_parentheses(tmp_path):
    from tests.helpers import flux

    result = flux(
        "check", "--api-key-stdin", "--project", str(tmp_path), stdin="sk-proj-" + "x" * 40
    )
    said = result.stdout + result.stderr
    assert result.returncode == 3
    # the source named once, in one pair of parentheses, and the cause after it
    assert "from standard input (--api-key-stdin): " in said
    assert said.count("(--api-key-stdin)") == 1
    assert ") (" not in said and "((" not in said and "))" not in said
    assert "another vendor's key" in said
