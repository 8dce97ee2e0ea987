"""Hostile round 4, budgets and sizes: many keys held at once, listings scrubbed as a whole, long
Admin API lists summarised. Against the hostile server (`tests/hostile_server.py`) on loopback;
every output and file is scanned for any 8-character window of each key's secret part."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import ADMIN_KEY, KEY, clean_environ, run_main, store
from tests.hostile_server import base_url, hostile, key_forms, secret_of
from wizard import redaction
from wizard.keys import ApiKey
from wizard.vocab import KeySource


def a_key(word: str) -> str:
    return "sk-ant-api03-" + (word * 20)[:86] + "AA"


# The API key in the environment; each project's .env and legacy config hold one more each
# (read, and losing to the environment's); the admin key: six keys in one command's memory.
SIX = [
    KEY,
    a_key("ProjAenv3"),
    a_key("ProjAcfg7"),
    a_key("ProjBenv5"),
    a_key("ProjBcfg1"),
    ADMIN_KEY,
]


def leaks(text: str, key: str) -> list[str]:
    """Windows of the key's secret part in `text` (any case, reversed, in pieces), and the
    base64 and URL-encoded forms the server sent."""
    plain = re.sub(r"[^a-z0-9]", "", text.lower())
    letters = re.sub(r"[^a-z0-9]", "", secret_of(key).lower())
    found = [
        form[i : i + 8]
        for form in (letters, letters[::-1])
        for i in range(len(form) - 7)
        if form[i : i + 8] in plain
    ]
    forms = key_forms(key)
    return found + [name for name in ("base64", "base64url", "url") if forms[name][8:24] in text]


def files_in(*folders: Path) -> str:
    return "".join(
        p.read_text(errors="replace") for f in folders for p in f.rglob("*") if p.is_file()
    )


def six_key_projects(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name, env_key, config_key in (("a", SIX[1], SIX[2]), ("b", SIX[3], SIX[4])):
        folder = tree / name
        folder.mkdir(parents=True)
        (folder / ".env").write_text(f"FLUX_MODEL=claude-opus-5-5\nANTHROPIC_API_KEY={env_key}\n")
        (folder / "flux.toml").write_text(f'model = "claude-opus-5-5"\napi_key = "{config_key}"\n')
    return tree


def test_six_keys_held_at_once_are_each_scrubbed_from_every_output(tmp_path):
    tree = six_key_projects(tmp_path)
    # the server echoes every one of the six, in every form, in IDs, names, headers, errors
    with hostile("pieces", key=KEY, also=SIX[1:]) as server:
        env = clean_environ(
            ANTHROPIC_API_KEY=KEY,
            ANTHROPIC_ADMIN_KEY=ADMIN_KEY,
            ANTHROPIC_BASE_URL=base_url(server),
        )
        runs = [
            run_main(
                ["check", "--all", str(tree), "--json", "--record", str(tmp_path / "all.jsonl")],
                env=env,
            ),
            run_main(["check", "--all", str(tree)], env=env),
        ]
    with hostile("pieces-error", key=KEY, also=SIX[1:]) as server:
        env = {**env, "ANTHROPIC_BASE_URL": base_url(server)}
        runs.append(run_main(["check", "--all", str(tree), "--json", "--debug"], env=env))
    said = "".join(r.stdout + r.stderr for r in runs)
    assert "a bug" not in said
    report = json.loads(runs[0].stdout)
    assert [p["recommended"] for p in report["projects"]] == ["claude-opus-5-5"] * 2
    assert runs[2].returncode == 4, runs[2].stdout  # a permission refusal, scrubbed of every key
    # what was written: the recording and the state home (the projects' own files hold keys)
    written = (tmp_path / "all.jsonl").read_text() + files_in(store().home)
    for key in SIX:
        assert not leaks(said, key), (key[:16], leaks(said, key)[:3])
        assert not leaks(written, key), (key[:16], leaks(written, key)[:3])


def test_every_key_a_command_reads_is_held_by_the_scrubber_even_the_ones_that_lose(tmp_path):
    tree = six_key_projects(tmp_path)
    with hostile("ok") as server:
        env = clean_environ(ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=base_url(server))
        result = run_main(["check", "--project", str(tree / "a")], env=env)
    assert result.returncode == 0, result.stderr
    # the keys of project a, which lost to the environment's, are still scrubbed afterwards
    for key in (SIX[1], SIX[2]):
        assert redaction.scrub(f"echo {secret_of(key)[20:60]}") == "echo [redacted]"


# -- the listing scrubbed as a whole ----------------------------------------------------------


def a_page(count: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"claude-filler-{i}",
            "display_name": f"Filler {i}",
            "line": "opus",
            "capabilities": {"batch": {"supported": True}},
            "max_tokens": 64000,
        }
        for i in range(count)
    ]


def test_a_page_scrubbed_as_a_whole_cuts_the_one_value_that_carries_a_key():
    ApiKey(KEY, KeySource.ENV)
    page = a_page(1000)
    page[500]["display_name"] = f"Opus {key_forms(KEY)['pieces']}"
    page[700]["capabilities"] = {key_forms(KEY)["base64"]: {"supported": True}}
    scrubbed = redaction.scrub_data(page)
    assert isinstance(scrubbed, list)
    assert scrubbed[500]["display_name"].startswith("Opus [redacted]")
    assert list(scrubbed[700]["capabilities"]) == ["[redacted]"]
    assert not leaks(json.dumps(scrubbed), KEY)
    untouched = [m for i, m in enumerate(scrubbed) if i not in (500, 700)]
    assert untouched == [m for i, m in enumerate(a_page(1000)) if i not in (500, 700)]


def test_pieces_of_a_key_in_two_values_side_by_side_are_no_key_and_stay():
    ApiKey(KEY, KeySource.ENV)
    secret = secret_of(KEY)
    # the end of one value and the start of the next make a window only when joined
    page = [
        {"id": "claude-a", "display_name": f"Name {secret[:4]}"},
        {"id": "claude-b", "display_name": f"{secret[4:8]} Name"},
    ]
    assert redaction.scrub_data(page) == page


# -- long lists summarised ----------------------------------------------------------------------

MANY_LINES = [
    {"id": f"claude-line{i}-1", "display_name": f"Line {i}", "line": f"line{i}"} for i in range(40)
]


def test_limits_shows_the_first_rows_of_thousands_and_json_keeps_every_one(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-group-5\n")
    models = [{"id": "claude-group-5", "display_name": "G", "line": "opus"}, *MANY_LINES]
    with hostile("many", key=KEY, models=models) as server:
        env = clean_environ(
            ANTHROPIC_API_KEY=KEY,
            ANTHROPIC_ADMIN_KEY=ADMIN_KEY,
            ANTHROPIC_BASE_URL=base_url(server),
        )
        text = run_main(["limits", "--project", str(folder)], env=env)
        data = run_main(["limits", "--json", "--project", str(folder)], env=env)
    assert text.returncode == data.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) < 40, text.stdout
    groups = [line for line in lines if line.startswith("  Group ")]
    # the configured model's group first, then the API's order
    assert groups[0].startswith("  Group 5 (claude-group-5)") and len(groups) == 12
    assert "  ... and 2988 more groups (`flux-setup limits --json` lists every one)" in lines
    assert "... and 2996 more spend limits (`flux-setup limits --json`" in text.stdout
    assert "... and 37 more hints" in text.stdout  # 40 lines no group covers
    assert "and 35 more limiters" in text.stdout  # group 0: 41 limiters, one line
    report = json.loads(data.stdout)
    assert len(report["rate_limits"]) == len(report["spend_limits"]) == 3000
    assert len(report["hints"]) == 40
    assert len(report["rate_limits"][0]["limits"]) == 41
    assert report["api_key"]["id"] == "apikey_7"  # found among 3,000 records


def test_a_group_of_many_limiters_and_many_spend_limits_are_one_short_line_in_the_checklist(
    tmp_path,
):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / ".env").write_text("FLUX_MODEL=claude-opus-5-5\n")
    with hostile("many", key=KEY) as server:
        env = clean_environ(
            ANTHROPIC_API_KEY=KEY,
            ANTHROPIC_ADMIN_KEY=ADMIN_KEY,
            ANTHROPIC_BASE_URL=base_url(server),
        )
        result = run_main(["check", "--write-checklist", "--project", str(folder)], env=env)
    assert result.returncode == 0, result.stderr
    page = (folder / "flux-upgrade-checklist.md").read_text()
    assert "claude-opus-5-5 (Group 0): 50 requests/min, 1 limiter_0," in page
    assert "and 35 more limiters." in page
    assert "... and 2996 more spend limits" in page
    assert max(len(line) for line in page.splitlines()) < 400
