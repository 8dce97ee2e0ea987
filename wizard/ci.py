"""`python -m wizard.ci`: turn a `check --json` (or `check --all --json`) report into what a CI
system shows: a Markdown job summary, GitHub annotations, and a pass/fail by the exit codes the
user chose to fail on. The GitHub Action (`action.yml`) runs it; it never calls the network.

Every text in the report may come from a server (a diagnosis quotes the API): annotations are
escaped as GitHub's workflow commands require, table cells are escaped for Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from wizard import redaction, untrusted
from wizard import verdict as verdicts
from wizard.constants import PROJECT_FILE_NAMES
from wizard.jsontypes import JsonObject, as_list, as_object
from wizard.vocab import ExitCode

DEFAULT_FAIL_ON = "11,12"  # a deprecated or unusable model fails the job; an upgrade does not
VERDICT_WORDS = {
    0: "ok",
    10: "upgrade available",
    11: "deprecated",
    12: "unavailable",
}


def projects(report: JsonObject) -> list[JsonObject]:
    """The report's projects: `check --all`'s array, or the one project of a plain `check`."""
    if isinstance(report.get("projects"), list):
        return [p for p in as_list(report["projects"]) if isinstance(p, dict)]
    return [
        {
            "path": report.get("project") or ".",
            "exit_code": report.get("exit_code"),
            "configured": report.get("configured") or {},
            "recommended": report.get("recommended"),
            "diagnosis": report.get("diagnosis") or [],
            "reason": report.get("reason"),
            "error": report.get("error"),
            "key": report.get("key"),
        }
    ]


AUTOLINK = re.compile(r"(?i)www\.|@|:/")


def _cell(value: object) -> str:
    text = "-" if value in (None, "") else untrusted.text(value, limit=300)
    text = " ".join(text.split())  # no newline may end a table row early
    for char in "\\|`*_[]<>":
        text = text.replace(char, "\\" + char)
    # GitHub links `www.x`, `user@x` and `scheme://x` in plain text: a folder name or an ID
    # that passes the ID form must not become a link (an invisible space breaks each)
    return AUTOLINK.sub(lambda m: m.group(0)[:-1] + untrusted.ZWSP + m.group(0)[-1], text)


def _word(code: object) -> str:
    if not isinstance(code, int) or isinstance(code, bool):
        return str(code)
    if code in VERDICT_WORDS:
        return VERDICT_WORDS[code]
    try:
        return ExitCode(code).meaning
    except ValueError:
        return str(code)


def summary(report: JsonObject) -> str:
    """A Markdown table, one row per project, and the overall exit code."""
    rows = [
        "| project | model | status | recommended | key | exit |",
        "|---|---|---|---|---|---|",
    ]
    for p in projects(report):
        configured = as_object(p.get("configured"))
        key = as_object(p.get("key"))
        rows.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    _shown(p.get("path")),
                    configured.get("model"),
                    configured.get("status") if not p.get("error") else "error",
                    p.get("recommended"),
                    key.get("fingerprint"),
                    f"{_exit_code(p.get('exit_code'))} {_word(p.get('exit_code'))}",
                )
            )
            + " |"
        )
    code = _exit_code(report.get("exit_code"))
    return (
        "### flux-setup check\n\n"
        + "\n".join(rows)
        + f"\n\nExit code {_cell(code)} ({_cell(_word(code))}).\n"
    )


def _shown(path: object) -> str:
    """A project path relative to the workspace (the repository's root in a CI job)."""
    if not isinstance(path, str):
        return "."
    try:
        rel = Path(path).resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        return path
    return str(rel) if str(rel) != "." else "."


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _config_file(path: str) -> str:
    """The file an annotation points at: the project's Flux config, else its folder."""
    folder = _shown(path)
    for name in PROJECT_FILE_NAMES:
        if (Path(path) / name).is_file():
            return name if folder == "." else f"{folder}/{name}"
    return folder


def workflow_commands(report: JsonObject, fail_on: set[int], *, github: bool = True) -> list[str]:
    """One line per project that needs attention: an error when its code fails the job, a
    warning otherwise; as GitHub workflow commands (annotations), or plain lines elsewhere."""
    out = []
    for p in projects(report):
        code = p.get("exit_code")
        if code == 0:
            continue
        level = "error" if code in fail_on or verdicts.always_fails(code) else "warning"
        message = untrusted.no_workflow_commands(untrusted.text(_message(p), limit=2000))
        if not github:
            line = (
                f"{level}: {_config_file(str(p.get('path') or '.'))}: {' '.join(message.split())}"
            )
            out.append(untrusted.no_workflow_commands(line))
            continue
        where = _escape_property(_config_file(str(p.get("path") or ".")))
        title = _escape_property(f"flux-setup: {_word(code)}")
        out.append(f"::{level} file={where},title={title}::{_escape_data(message)}")
    return out


def _message(project: JsonObject) -> str:
    error = project.get("error")
    if isinstance(error, dict):
        fix = f" Fix: {error.get('fix')}" if error.get("fix") else ""
        return f"{error.get('message')}{fix}"
    reason = project.get("reason")
    if isinstance(reason, str) and reason:
        return reason  # the verdict's own sentence: the configured model's cause, not a neighbour's
    diagnoses = [as_object(d) for d in as_list(project.get("diagnosis")) if isinstance(d, dict)]
    if diagnoses:
        first = diagnoses[0]
        return f"{first.get('message')} {first.get('next_step') or ''}".strip()
    configured = as_object(project.get("configured"))
    recommended = project.get("recommended")
    return f"{configured.get('model')}: {_word(project.get('exit_code'))}" + (
        f"; recommended: {recommended}" if recommended else ""
    )


def _exit_code(value: object) -> int | None:
    """A report's exit code as a number, never printed raw (a forged `"12\n::add-mask::x"`);
    anything else is unknown, which fails the job like an error."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_codes(text: str) -> set[int]:
    codes = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"{part!r} is not an exit code")
        codes.add(int(part))
    return codes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wizard.ci",
        description="Job summary, annotations and pass/fail from a `flux-setup check --json` "
        "report.",
    )
    parser.add_argument("report", type=Path, help="the JSON report")
    parser.add_argument(
        "--fail-on",
        default=DEFAULT_FAIL_ON,
        help=f"exit codes that fail the job, comma-separated (default {DEFAULT_FAIL_ON}); any "
        "code below 10 other than 0 always fails it",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        help="append the Markdown summary here (default: $GITHUB_STEP_SUMMARY when set)",
    )
    args = parser.parse_args(argv)
    try:
        fail_on = parse_codes(args.fail_on)
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        print(untrusted.no_workflow_commands(f"error: {untrusted.text(exc)}"), file=sys.stderr)
        return 2
    if not isinstance(report, dict):
        print("error: the report is not a flux-setup JSON object", file=sys.stderr)
        return 2
    # GitHub masks the exact secret only: a piece of a key (a server's echo quoted in a
    # diagnosis) is removed before anything is made of the report, for the job's keys
    redaction.hold_environment(os.environ)
    report = as_object(redaction.scrub_data(report))
    code = _exit_code(report.get("exit_code"))
    target = args.summary or (
        Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None
    )
    try:
        text = summary(report)
        commands = workflow_commands(
            report, fail_on, github=os.environ.get("GITHUB_ACTIONS") == "true"
        )
    except (TypeError, AttributeError, ValueError, RecursionError):
        print("error: the report is not shaped like flux-setup's JSON", file=sys.stderr)
        return 2
    if target is not None:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(untrusted.no_workflow_commands(text))
    for line in commands:
        print(line)
    # every project counts: a scan's exit code 10 may stand above a broken project's 6
    codes = {code, *(_exit_code(p.get("exit_code")) for p in projects(report))}
    failed = any(c is None or c in fail_on or verdicts.always_fails(c) for c in codes)
    print(
        f"flux-setup exit code {'unknown' if code is None else code}: "
        f"{'failing' if failed else 'passing'} "
        f"(fail-on {','.join(str(c) for c in sorted(fail_on)) or 'none'})."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
