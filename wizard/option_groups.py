"""The option groups the command builders share (files, API, output, writing, the model choice,
check's many-projects-and-offline group): each flag declared once, for every command it goes
with."""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard import argtypes
from wizard.constants import CHECKLIST_NAME, DEFAULT_MAX_VERIFY, DEFAULT_TIMEOUT, DEFAULT_WARN_DAYS


def file_options(parser: argparse.ArgumentParser, *, project_help: str = "") -> None:
    g = parser.add_argument_group("files")
    g.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help=project_help or "the Flux project (default: found from the current folder up)",
    )
    g.add_argument("--env-file", type=Path, metavar="PATH", help="default: <project>/.env")
    g.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="default: flux.toml, else [tool.flux] in pyproject.toml",
    )


def output_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("output")
    g.add_argument(
        "--json", action="store_true", help="one JSON document on stdout; human text on stderr"
    )
    g.add_argument(
        "--no-input", action="store_true", help="never prompt (implied without a terminal)"
    )
    g.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    g.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in human output (default auto: a terminal, unless NO_COLOR is set)",
    )


def api_options(
    parser: argparse.ArgumentParser, *, no_verify: bool = True, max_verify_help: str = ""
) -> None:
    """The API's options; a command that makes no sense without verification (`export`)
    leaves --no-verify out, and one that caps it otherwise says how (`max_verify_help`)."""
    g = parser.add_argument_group("API")
    g.add_argument("--api-key-stdin", action="store_true", help="read the key from standard input")
    g.add_argument(
        "--base-url",
        type=argtypes.base_url,
        metavar="URL",
        help="API base URL (default: ANTHROPIC_BASE_URL, else the official one)",
    )
    g.add_argument("--prefer", metavar="LINES", help="line order, e.g. opus,sonnet,haiku")
    if no_verify:
        g.add_argument("--no-verify", action="store_true", help="make no billed verification call")
    g.add_argument(
        "--max-verify",
        type=argtypes.verify_count,
        default=DEFAULT_MAX_VERIFY,
        metavar="N",
        help=max_verify_help
        or f"at most N verification calls that may be billed (default {DEFAULT_MAX_VERIFY}; "
        "refusals are free)",
    )
    g.add_argument(
        "--timeout",
        type=argtypes.timeout_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"per request (default {DEFAULT_TIMEOUT:g}); the network part ends within 3x this",
    )


def admin_options(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--admin-key-stdin",
        action="store_true",
        help="read an admin key (sk-ant-admin01-...) from standard input for the Admin API "
        "(default: ANTHROPIC_ADMIN_KEY); never written to a file",
    )


def record_options(parser: argparse.ArgumentParser, *, report: bool = False) -> None:
    g = parser.add_argument_group("recording")
    g.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="write every exchange with the API to FILE (JSON lines, mode 0600; every key and "
        "secret masked): `flux-setup simulator --replay FILE` answers the same again",
    )
    g.add_argument(
        "--redact-org",
        action="store_true",
        help="also mask the organisation ID in the recording (and the report)",
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="replace an existing FILE flux-setup did not write, or a symlink itself (never "
        "what it leads to, nor another user's file)",
    )
    if report:
        g.add_argument(
            "--report",
            type=Path,
            metavar="FILE",
            help="write one file for a support ticket or a bug report: the checks, the "
            "recording, the config's shape (never a value), versions and platform; no key",
        )


def writing_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("writing")
    g.add_argument(
        "-y", "--yes", action="store_true", help="accept the recommendation and every confirmation"
    )
    g.add_argument(
        "--dry-run",
        action="store_true",
        help="print the diff of every file that would change; write nothing",
    )


def checklist_option(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--checklist",
        type=Path,
        metavar="PATH",
        help=f"default: <project>/{CHECKLIST_NAME}",
    )


def model_choice_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("run")
    g.add_argument(
        "--model",
        type=argtypes.model_id,
        metavar="ID",
        help="use this model instead of the recommendation (still verified)",
    )
    g.add_argument(
        "--fallback",
        type=argtypes.fallback_id,
        metavar="ID|none",
        help="the fallback Flux uses when the model fails (default: the best callable model "
        "ranked below it; still verified), or none",
    )
    g.add_argument(
        "--save-key",
        dest="save_key",
        nargs="?",
        const="env",
        choices=("keyring", "env", "none"),
        default=None,
        metavar="keyring|env|none",
        help="where run keeps a pasted key: the OS keyring, .env (plaintext, 0600; --save-key "
        "alone), or nowhere (default: asked; keyring where one is available)",
    )
    g.add_argument(
        "--no-save-key",
        dest="save_key",
        action="store_const",
        const="none",
        help="keep the key nowhere (= --save-key none)",
    )
    keyring_option(g)
    checklist_option(g)


def keyring_option(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--allow-plaintext-keyring",
        action="store_true",
        help="let a keyring backend that keeps secrets in a plain file (keyrings.alt) hold the "
        "key; refused without it",
    )


def many_and_offline_options(p: argparse.ArgumentParser) -> None:
    """check's own: --all over folders (and --fix), --offline, and what makes it fail."""
    g = p.add_argument_group("many projects and offline")
    g.add_argument(
        "--all",
        action="store_true",
        help="check every Flux project under the folders DIR (default: the current folder); "
        "one detection per key",
    )
    g.add_argument(
        "folders",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="with --all: the folders to search (git-ignored folders, .git, virtual "
        "environments and node_modules are skipped)",
    )
    g.add_argument(
        "--fix",
        action="store_true",
        help="with --all: switch the projects that need it to their recommendation, after one "
        "combined preview (undo --batch restores them all)",
    )
    g.add_argument(
        "--offline",
        action="store_true",
        help="no network: judge the configured model from the catalogue the last online check "
        "of this key saved",
    )
    g.add_argument(
        "--missing-catalog",
        choices=("fail", "pass"),
        default="fail",
        help="with --offline: when no online check was saved yet, fail (exit 5, the default) or "
        "pass with a note (the pre-commit hook: a commit is never blocked for lack of local state)",
    )
    g.add_argument(
        "--warn-days",
        type=argtypes.days,
        default=None,  # None: not given (it is refused without --offline)
        metavar="N",
        help=f"with --offline: a retirement within N days is a warning (default {DEFAULT_WARN_DAYS})",
    )
    g.add_argument(
        "--max-age",
        type=argtypes.days,
        default=None,
        metavar="DAYS",
        help="with --offline: a catalogue (saved, or the committed snapshot) older than DAYS is "
        "a failure (exit 5)",
    )
    g.add_argument(
        "--fail-on",
        type=argtypes.verdict_codes,
        metavar="CODES",
        help="only these of the verdicts 10, 11, 12 make the exit code non-zero, e.g. 11,12 "
        "(for hooks and CI); errors always do",
    )
