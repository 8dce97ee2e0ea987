"""Hostile round 4: pieces of keys in every form, replayed recordings as untrusted input,
Markdown from headers, answers without a size. Each attack runs against the hostile server
(`tests/hostile_server.py`) on loopback; every output and every file is then scanned for any
8-character window of either key's secret part."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import ADMIN_KEY, KEY, clean_environ, run_main, store
from tests.hostile_server import base_url, hostile, key_forms, secret_of
from wizard import ci, redaction
from wizard.keys import ApiKey
from wizard.vocab import KeySource

BOTH = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_ADMIN_KEY": ADMIN_KEY}


def leaks(text: str, key: str) -> list[str]:
    """Windows of the key's secret part found in `text`: as is, in any case, reversed, or in
    pieces (letters and digits only), and the base64 and URL-encoded forms the server sent."""
    plain = re.sub(r"[^a-z0-9]", "", text.lower())
    letters = re.sub(r"[^a-z0-9]", "", secret_of(key).lower())
    found = [
        form[i : i + 8]
        for form in (letters, letters[::-1])
        for i in range(len(form) - 7)
        if form[i : i + 8] in plain
    ]
    forms = key_forms(key)
    found += [name for name in ("base64", "base64url", "url") if forms[name][8:24] in text]
    return found


def files_in(*folders: Path) -> str:
    return "".join(
        p.read_text(errors="replace") for f in folders for p in f.rglob("*") if p.is_file()
    )


def assert_clean(text: str) -> None:
    assert not leaks(text, KEY), leaks(text, KEY)[:5]
    assert not leaks(text, ADMIN_KEY), leaks(text, ADMIN_KEY)[:5]


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    return folder


# -- 2. one scrubber: pieces of keys in every form --------------------------------------------


@pytest.mark.parametrize("form", sorted(key_forms(KEY)))
def test_the_scrubber_removes_every_form_of_a_held_key(form):
    ApiKey(KEY, KeySource.ENV)
    value = key_forms(KEY)[form]
    said = redaction.scrub(f"the server said: {value} (request req_1)")
    assert not leaks(said, KEY)
    assert said.startswith("the server said: ") and said.endswith("(request req_1)")
    assert redaction.carries(value)


def test_the_scrubber_keeps_words_that_hold_no_key():
    ApiKey(KEY, KeySource.ENV)
    text = "claude-opus-5-5 answered 200; sk-ant-api03-...ZxWv is the key's fingerprint"
    assert redaction.scrub(text) == text
    assert not redaction.carries("claude-opus-5-5")


def test_a_listing_that_carries_the_key_is_refused_as_models_and_never_written(tmp_path):
    folder = project(tmp_path)
    with hostile("pieces", key=KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        runs = [
            run_main(["check", "--json", "--write-checklist", "--project", str(folder),
                      "--record", str(tmp_path / "check.jsonl")], env=env),
            run_main(["run", "--yes", "--json", "--project", str(folder)], env=env),
            run_main(["models", "--verify", "all", "--json", "--project", str(folder)], env=env),
            run_main(["doctor", "--project", str(folder), "--report",
                      str(tmp_path / "report.json")], env=env),
        ]  # fmt: skip
    said = "".join(r.stdout + r.stderr for r in runs)
    assert "a bug" not in said
    check = json.loads(runs[0].stdout)
    assert check["recommended"] == "claude-opus-5-5"
    assert "claude-opus-9-9" not in [m["id"] for m in check["models"]]
    assert any("carry a piece of the key" in d["message"] for d in check["diagnosis"])
    assert 'id = "claude-opus-5-5"' in (folder / "flux.toml").read_text()
    assert_clean(said)
    assert_clean(files_in(tmp_path, store().home))


def test_a_refusal_quoting_the_key_without_its_prefix_is_scrubbed_everywhere(
    tmp_path, monkeypatch, capsys
):
    folder = project(tmp_path)
    with hostile("pieces-error", key=KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(["check", "--json", "--project", str(folder)], env=env)
        plain = run_main(["check", "--project", str(folder), "--debug"], env=env)
    assert result.returncode == plain.returncode != 0
    assert_clean(result.stdout + result.stderr + plain.stdout + plain.stderr)
    # the CI step, on that report and on one another tool left unscrubbed
    forged = json.loads(result.stdout)
    forged["diagnosis"].append({"code": "permission_denied", "message": key_forms(KEY)["bare"]})
    forged["exit_code"] = 12
    report = tmp_path / "report.json"
    report.write_text(json.dumps(forged))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    redaction.forget_all()
    ci.main([str(report)])
    out = capsys.readouterr().out
    assert "::error" in out
    assert_clean(out)


def test_limits_never_prints_the_admin_keys_secret_in_names_or_ids(tmp_path):
    folder = project(tmp_path)
    with hostile("pieces", key=ADMIN_KEY) as server:
        env = clean_environ(**BOTH, ANTHROPIC_BASE_URL=base_url(server))
        runs = [
            run_main(["limits", "--project", str(folder)], env=env),
            run_main(["limits", "--json", "--project", str(folder),
                      "--record", str(tmp_path / "limits.jsonl")], env=env),
        ]  # fmt: skip
    said = "".join(r.stdout + r.stderr for r in runs)
    assert "a bug" not in said
    assert_clean(said + files_in(tmp_path))


@pytest.mark.parametrize("flag", ["--model", "--fallback"])
def test_a_prefix_less_key_given_as_model_is_refused_and_not_echoed(tmp_path, flag):
    folder = project(tmp_path)
    result = run_main(
        ["run", "--yes", "--project", str(folder), flag, key_forms(KEY)["bare"][:40]],
        env=clean_environ(ANTHROPIC_API_KEY=KEY),
    )
    assert result.returncode == 2
    assert "holds a piece of an API key" in result.stderr
    assert_clean(result.stdout + result.stderr)
