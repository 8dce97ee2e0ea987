"""Rules that had two homes and now have one (#39): each held where the two copies could have
drifted apart."""

from __future__ import annotations

import pytest

from wizard import paging
from wizard.failures import ApiCallFailed
from wizard.vocab import FailureKind

# A listing as a table: the cursor asked -> (the page's items, the cursor it names next).
ENDS = {None: (["a", "b"], "b"), "b": (["c"], None)}
CIRCLE = {None: (["a"], "x"), "x": (["b"], "y"), "y": (["c"], "x")}
ENDLESS = {None: (["a"], "0"), **{str(n): ([str(n)], str(n + 1)) for n in range(100)}}


def walk(server, max_pages=10):
    asked = []

    def fetch(cursor):
        asked.append(cursor)
        return server[cursor]

    items = []
    try:
        for page in paging.pages(fetch, lambda p: p[1], max_pages=max_pages, what="list"):
            items.extend(page[0])
    except ApiCallFailed as failed:
        assert failed.failure.kind == FailureKind.MALFORMED
        return items, asked, failed.failure.message
    return items, asked, None


@pytest.mark.parametrize(
    ("server", "items", "asked", "said"),
    [
        (ENDS, ["a", "b", "c"], [None, "b"], None),
        # the same page again: stopped at the repeat, every page read counted
        (CIRCLE, ["a", "b", "c"], [None, "x", "y"], "the list did not end after 3 pages"),
        # the cap: exactly max_pages requests, and the message counts them (not one more)
        (ENDLESS, ["a", *map(str, range(9))], [None, *map(str, range(9))], "after 10 pages"),
    ],
)
def test_one_pagination_loop_follows_the_cursor_and_stops_a_circle_or_a_list_without_end(
    server, items, asked, said
):
    got_items, got_asked, got_said = walk(server)
    assert (got_items, got_asked) == (items, asked)
    assert (said is None and got_said is None) or (said and got_said and said in got_said)


@pytest.mark.parametrize(
    ("interactive", "yes", "asks"),
    [(True, False, True), (True, True, False), (False, False, False), (False, True, False)],
)
def test_may_ask_is_a_terminal_to_ask_on_and_no_yes(tmp_path, interactive, yes, asks):
    from tests.helpers import ScriptedPrompter, make_context
    from wizard.flow.consent import may_ask

    ctx, _ = make_context(tmp_path, prompter=ScriptedPrompter(interactive=interactive), yes=yes)
    assert may_ask(ctx) is asks


def test_run_yes_at_a_terminal_asks_nothing_and_without_yes_it_asks(tmp_path, sim):
    """Every question of `run` (the key, the model, the fallback, where to keep the key, apply)
    reads the one rule: with --yes none is put, though a terminal is there to ask on."""
    from tests.helpers import KEY, ScriptedPrompter, make_context
    from wizard.commands.run import run
    from wizard.errors import Cancelled

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-3-opus-20240229\n")
    env = {"ANTHROPIC_API_KEY": KEY}
    told, _ = make_context(
        tmp_path, prompter=ScriptedPrompter([]), environ=env, base_url=sim.base_url, yes=True
    )
    assert run(told).exit_code == 0
    # the positive control: the same run without --yes puts a question to the person
    second = tmp_path / "second"
    second.mkdir()
    (second / ".env").write_text("FLUX_MODEL=claude-3-opus-20240229\n")
    asked = ScriptedPrompter(["^C"])
    ctx, _ = make_context(second, prompter=asked, environ=env, base_url=sim.base_url)
    with pytest.raises(Cancelled):
        run(ctx)
    assert asked.asked, "run without --yes asked nothing: the control proves nothing"


def test_the_simulator_and_a_replay_refuse_a_busy_port_alike_and_print_one_stand_in_key(tmp_path):
    """One preamble for both servers: the port taken or a usage error, the base URL alone on
    stdout, a command to paste whose key the servers accept."""
    import socket
    import subprocess
    import sys

    from tests.helpers import KEY, clean_environ, run_main
    from tests.helpers import flux as program
    from wizard.simulator import serve
    from wizard.simulator.serving import STAND_IN_KEY

    record = tmp_path / "check.jsonl"
    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with serve("today") as running:
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": running.base_url}
        program("check", "--project", str(tmp_path), "--record", str(record), env=env)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        for args in (["--port", port], ["--replay", str(record), "--port", port]):
            refused = run_main(["simulator", *args])
            assert refused.returncode == 2, refused.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    for args in ([], ["--replay", str(record)]):
        child = subprocess.Popen(
            [sys.executable, "-m", "wizard", "simulator", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_environ(),
        )
        try:
            assert child.stdout is not None
            base_url = child.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            checked = program(
                "check",
                "--project",
                str(tmp_path),
                env={"ANTHROPIC_API_KEY": STAND_IN_KEY, "ANTHROPIC_BASE_URL": base_url},
            )
            assert checked.returncode == 0, checked.stdout + checked.stderr
        finally:
            child.terminate()
            _, said = child.communicate(timeout=30)
        assert f"ANTHROPIC_API_KEY={STAND_IN_KEY}" in said


@pytest.mark.parametrize(
    ("flag", "named", "code", "said"),
    [
        # below what the detection called (two calls allowed): called now, before the write
        ("--fallback", "claude-sonnet-5-5", 0, "claude-sonnet-5-5 answered: it is callable"),
        ("--fallback", "claude-mythos-5-2", 2, "claude-mythos-5-2 cannot be used: "),
        # --model is called in the detection's first round: refused there, said by the same rule
        ("--model", "claude-mythos-5-2", 2, "--model claude-mythos-5-2 cannot be used: "),
    ],
)
def test_a_model_named_by_a_flag_is_proven_before_anything_is_written(
    tmp_path, sim, flag, named, code, said
):
    """`--model`, the model question and `--fallback` read one rule (`flow/named.py`): a model
    the detection has not called is called before a write; a refusal stops the run (exit 2)
    with nothing written."""
    from tests.helpers import KEY, flux

    env_file = tmp_path / ".env"
    env_file.write_text("FLUX_MODEL=claude-opus-4-6\n")
    args = ["run", "--yes", "--max-verify", "2", "--project", str(tmp_path)]
    result = flux(*args, "--base-url", sim.base_url, flag, named, env={"ANTHROPIC_API_KEY": KEY})
    assert result.returncode == code, result.stdout + result.stderr
    assert said in result.stdout + result.stderr
    if code:
        assert env_file.read_text() == "FLUX_MODEL=claude-opus-4-6\n"


@pytest.mark.parametrize(
    "command",
    [["check"], ["models"], ["check", "--all", "."], ["run", "--yes"], ["doctor"]],
)
def test_the_base_url_is_the_flags_over_the_environment_for_every_client_of_a_run(
    tmp_path, sim, command
):
    """`Context.base_url` resolves it once: --base-url (a trailing /v1 dropped) beats an
    ANTHROPIC_BASE_URL that answers nothing, for check, models, the scan, run and doctor."""
    from tests.helpers import KEY, run_main
    from tests.helpers import clean_environ as environ

    (tmp_path / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    dead = environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL="http://127.0.0.1:9")
    flags = ["--project", str(tmp_path)] if "--all" not in command else []
    given = [*command, *flags, "--base-url", sim.base_url + "/v1/", "--timeout", "2"]
    result = run_main(given, env=dead, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # the positive control: without the flag, the environment's dead address is the one asked
    unflagged = run_main([*command, *flags, "--timeout", "0.5"], env=dead, cwd=tmp_path)
    assert unflagged.returncode == 5, unflagged.stdout + unflagged.stderr


ON_HOLD = "This organization has been disabled."
APPEAL = {"appeal_url": "https://support.claude.com/appeal/1"}


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        # the same refusal with and without its error_code (older bodies have none)
        (
            dict(status=400, message=ON_HOLD),
            dict(status=400, message=ON_HOLD, error_code="organization_on_hold"),
        ),
        (
            dict(status=400, message=ON_HOLD, details=APPEAL),
            dict(status=400, message=ON_HOLD, error_code="organization_on_hold", details=APPEAL),
        ),
        # a Claude Code credential: by its words, or by the code the API sends for it
        (
            dict(status=401, message="OAuth authentication is currently not supported."),
            dict(status=400, message="old client", error_code="claude_code_version_too_old"),
        ),
        (
            dict(status=401, message="invalid x-api-key"),
            dict(status=401, message="no", error_code="claude_code_key_creator_not_member"),
        ),
    ],
)
def test_a_refusal_read_by_its_words_or_its_error_code_says_one_next_step(older, newer):
    """One wording per refusal: the rules that recognise a body by its status and words take
    the next step (and, for the same refusal, the sentence) of the error-code table."""
    from wizard.diagnosis import from_failure
    from wizard.failures import ApiFailure

    by_words = from_failure(ApiFailure(FailureKind.STATUS, **older))
    by_code = from_failure(ApiFailure(FailureKind.STATUS, **newer))
    assert by_words.code == by_code.code
    assert (by_words.next_step, by_words.url) == (by_code.next_step, by_code.url)
    if older.get("message") == ON_HOLD:
        assert by_words.message == by_code.message
        assert by_words.url == (APPEAL["appeal_url"] if "details" in older else by_code.url)
