"""Tables of cases for the modules every view leans on and no command test reaches one rule at a
time: the verdict's arithmetic (`verdict.py`), the network text checks (`untrusted.py`), the
change-set states (`manifest.ChangeSetStatus`). The scrubber's table of forms is
`tests/test_hostile_round4.py`'s."""

from __future__ import annotations

import pytest

from wizard import untrusted
from wizard import verdict as verdicts
from wizard.manifest import ChangeSetStatus
from wizard.vocab import ExitCode, Status
from wizard.words import after_colon, clause

E = ExitCode


@pytest.mark.parametrize(
    ("codes", "want"),
    [
        ((), E.OK),
        ((E.OK, E.OK), E.OK),
        ((E.UPGRADE_AVAILABLE, E.DEPRECATED), E.DEPRECATED),
        ((E.DEPRECATED, E.UNAVAILABLE, E.UPGRADE_AVAILABLE), E.UNAVAILABLE),
        # an error stops the check: it beats every verdict
        ((E.UNAVAILABLE, E.ACCOUNT), E.ACCOUNT),
        ((E.UNAVAILABLE, E.NETWORK), E.NETWORK),
        # the key first, then the account, the files, the network (as a check meets them)
        ((E.ACCOUNT, E.KEY), E.KEY),
        ((E.NETWORK, E.FILES), E.FILES),
        ((E.NETWORK, E.ACCOUNT, E.FILES), E.ACCOUNT),
        ((E.DEPRECATED, E.ERROR), E.ERROR),
    ],
)
def test_one_project_s_findings_sum_to_a_single_check_s_exit_code(codes, want):
    assert verdicts.combined(codes) == want


@pytest.mark.parametrize(
    ("codes", "want"),
    [
        # many projects: a verdict somewhere beats another project's error (check --all)
        ((E.UNAVAILABLE, E.FILES), E.UNAVAILABLE),
        ((E.OK, E.NETWORK), E.NETWORK),
        ((E.UPGRADE_AVAILABLE, E.DEPRECATED, E.OK), E.DEPRECATED),
    ],
)
def test_many_projects_sum_to_the_highest_code(codes, want):
    assert verdicts.overall(codes) == want


@pytest.mark.parametrize(
    ("codes", "chosen", "want"),
    [
        ((E.UPGRADE_AVAILABLE,), {12}, E.OK),
        ((E.UNAVAILABLE, E.UPGRADE_AVAILABLE), {10}, E.UPGRADE_AVAILABLE),
        ((E.FILES, E.UPGRADE_AVAILABLE), {12}, E.FILES),  # errors always count
    ],
)
def test_fail_on_leaves_out_only_the_verdicts_not_chosen(codes, chosen, want):
    assert verdicts.failing_on(codes, chosen) == want


@pytest.mark.parametrize(
    ("fallback", "status", "due"),
    [
        (None, Status.RETIRED, False),
        ("m", Status.CALLABLE, False),
        ("m", Status.UNVERIFIED, False),
        ("m", Status.DEPRECATED, True),
        ("m", Status.RETIRED, True),
        ("m", Status.NOT_CALLABLE, True),
        ("m", Status.UNKNOWN_MODEL, True),
    ],
)
def test_a_configured_fallback_is_due_when_flux_would_fall_back_to_a_model_that_goes(
    fallback, status, due
):
    assert verdicts.fallback_due(fallback, status) is due


def test_every_exit_code_a_check_can_end_on_has_a_sentence_and_no_bare_code():
    for code in (
        E.OK,
        E.UPGRADE_AVAILABLE,
        E.DEPRECATED,
        E.UNAVAILABLE,
        E.ACCOUNT,
        E.KEY,
        E.NETWORK,
    ):
        words = verdicts.sentence(code, Status.CALLABLE, None)
        assert words and not words.startswith("exit "), code
    # an 11 the fallback decided is said as the fallback's
    assert "fallback" in verdicts.sentence(E.DEPRECATED, Status.CALLABLE, "claude-x")


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("The API refused the key.", "the API refused the key."),
        ("A better model is callable.", "a better model is callable."),
        ("API keys differ.", "API keys differ."),  # an acronym
        ("Flux uses the best model.", "Flux uses the best model."),  # a name
        ("`flux-setup run` fixes it.", "`flux-setup run` fixes it."),  # code
        ("claude-opus-5-5 is callable.", "claude-opus-5-5 is callable."),
    ],
)
def test_a_sentence_after_a_colon_goes_on_in_lower_case_but_names_keep_theirs(text, want):
    assert clause(text) == want
    assert after_colon("By the check of 2026-12-07", text) == f"By the check of 2026-12-07: {want}"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("claude-opus-5-5", True),
        ("claude-3-5-sonnet-20241022", True),
        ("anthropic.claude-v2:1", True),
        ("", False),
        ("claude opus", False),  # a space
        ("claude\x1b[31m", False),  # an escape sequence
        ("-leading-dash", False),
        ("a" * 129, False),  # too long for an ID
        ("sk-ant-api03-" + "x" * 80, False),  # a key is never a model ID
    ],
)
def test_what_may_stand_for_a_model_id(value, ok):
    assert untrusted.is_model_id(value) is ok


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain words", "plain words"),
        ("two\nlines\r\nhere", "two lines here"),
        ("bell\x07", "bell\\x07"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("right\u202eto left", "right\\u202eto left"),
    ],
)
def test_a_server_s_words_are_shown_escaped_on_one_line(raw, shown):
    assert untrusted.text(raw) == shown


def test_a_server_s_words_are_cut_to_their_limit():
    assert untrusted.text("x" * 600, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("value", "organisation"),
    [
        ("3c9e1f2a-1b2c-4d5e-8f90-1234567890ab", "3c9e1f2a-1b2c-4d5e-8f90-1234567890ab"),
        ("3C9E1F2A-1B2C-4D5E-8F90-1234567890AB", "3c9e1f2a-1b2c-4d5e-8f90-1234567890ab"),
        ("e", None),
        ("3c9e1f2a-1b2c-4d5e-8f90-1234567890ab\nX-Evil: 1", None),
        (None, None),
    ],
)
def test_an_organisation_id_is_kept_only_in_its_shape(value, organisation):
    assert untrusted.organization_id(value) == organisation


@pytest.mark.parametrize(
    ("word", "status", "undoable"),
    [
        ("applying", ChangeSetStatus.APPLYING, True),
        ("applied", ChangeSetStatus.APPLIED, True),
        ("rolled-back", ChangeSetStatus.ROLLED_BACK, False),
        ("undone", ChangeSetStatus.UNDONE, False),
        ("gibberish", ChangeSetStatus.UNKNOWN, False),  # a hand-edited manifest: never undone
        (None, ChangeSetStatus.UNKNOWN, False),
    ],
)
def test_a_change_set_s_state_is_read_from_its_manifest(word, status, undoable):
    read = ChangeSetStatus.read(word)
    assert read is status and read.undoable is undoable


@pytest.mark.parametrize("code", [E.KEY, E.ACCOUNT, E.NETWORK, E.FILES, E.UNAVAILABLE])
def test_a_doctor_line_that_weighs_an_error_is_a_failing_line(code):
    from wizard.commands.doctor_lines import Line, State

    line = Line("configured", State.WARN, "x is not verified.", code=code)
    assert line.state == State.FAIL and not line.ok
    # advice and a change that is due stay warnings
    assert Line("configured", State.WARN, "x.", code=E.UPGRADE_AVAILABLE).ok


def test_a_reason_loses_only_its_own_step_and_a_line_names_its_model_once():
    from wizard.diagnosis import Diagnosis
    from wizard.vocab import Code
    from wizard.words import stated

    step = "Switch to m-2: `flux-setup run`."
    retired = Diagnosis(Code.MODEL_RETIRED, "m-1 was retired.", step, model="m-1")
    assert verdicts.without_step(f"m-1 was retired. {step}", [retired]) == "m-1 was retired."
    upgrade = f"m-2 ranks higher in your line order and is callable: {verdicts.UPGRADE_STEP}"
    assert (
        verdicts.without_step(upgrade, []) == "m-2 ranks higher in your line order and is callable."
    )
    assert verdicts.without_step("Something else.", [retired]) == "Something else."
    assert verdicts.without_step(None, [retired]) is None
    assert stated("m-1 is retired", "m-1 was retired.", "m-1") == "m-1 was retired."
    assert stated("m-1 is retired", "m-1 was retired.", "m-1", "the saved catalogue of D") == (
        "By the saved catalogue of D: m-1 was retired."
    )
    # another model's words (m-10 is not m-1) keep the line's own subject
    assert (
        stated("m-1 is callable", "m-10 ranks higher.", "m-1")
        == "m-1 is callable: m-10 ranks higher."
    )
