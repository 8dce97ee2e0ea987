"""`flux-setup simulator --replay FILE` and `--scenario-from FILE`: a recording served back, or
turned into a scenario file."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from pathlib import Path

from wizard.constants import CLOCK_VAR
from wizard.errors import ExitCode, FilesError, UsageError
from wizard.jsontypes import as_list
from wizard.recording import (
    MAX_RECORDING_BYTES,
    MAX_RECORDING_WORDS,
    Recording,
    RecordingError,
    UnreadableRecording,
    parse,
)
from wizard.simulator.serving import STAND_IN_KEY, serve_announced, started

# The commands a recording may name in the command printed to paste: no other word is printed.
COMMANDS = ("check", "run", "models", "doctor", "limits")
VERSION = re.compile(r"[0-9A-Za-z.+_-]{1,40}")


def read_recording(name: str) -> Recording:
    """A recording (or report) file, as large as flux-setup writes one; a file that is none,
    a usage error (exit 2); one too large or too deep, a files error (exit 6)."""
    from wizard.fileio import read_optional

    path = Path(name)
    limit = (MAX_RECORDING_BYTES, MAX_RECORDING_WORDS, "a recording")
    data = read_optional(path, flag="--replay", limit=limit)  # a FilesError says which and why
    if data is None:
        raise UsageError(f"{path} does not exist.", fix="Pass a file `--record FILE` wrote.")
    try:
        return parse(data.decode("utf-8", "replace"), str(path))
    except UnreadableRecording as exc:
        raise FilesError(str(exc), fix="Pass a file `--record FILE` wrote.") from None
    except RecordingError as exc:
        raise UsageError(
            str(exc), fix="Pass a file `--record FILE` or `doctor --report FILE` wrote."
        ) from None


def _command(recording: Recording) -> str:
    return recording.command if recording.command in COMMANDS else "check"


def _recorded_at(recording: Recording) -> str | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(recording.recorded_at).isoformat()
    except ValueError:
        return None


def same_command(recording: Recording, base_url: str) -> str:
    """The command to paste into a shell: built from the recording's fields only when each is
    what it should be (a known command, a model ID, line names, a date), every word quoted. A
    recording is what a bug report attaches: whoever pastes this is not whoever wrote it."""
    from wizard import untrusted
    from wizard.responses import LINE

    asked = recording.invocation
    words = [
        f"ANTHROPIC_BASE_URL={shlex.quote(base_url)}",
        f"ANTHROPIC_API_KEY={STAND_IN_KEY}",
    ]
    when = _recorded_at(recording)
    if when:
        words.insert(0, f"{CLOCK_VAR}={shlex.quote(when)}")
    configured = asked.get("configured")
    if isinstance(configured, str) and untrusted.is_model_id(configured):
        words.append(f"FLUX_MODEL={shlex.quote(configured)}")
    words += ["flux-setup", _command(recording)]
    prefer = [p for p in as_list(asked.get("prefer")) if isinstance(p, str) and LINE.fullmatch(p)]
    if prefer:
        words += ["--prefer", shlex.quote(",".join(prefer))]
    return " ".join(words)


def replay_or_convert(args: argparse.Namespace) -> int:
    if args.scenario_from:
        from wizard.simulator.from_recording import scenario_from

        recording = read_recording(args.scenario_from)
        scenario = scenario_from(recording, Path(args.scenario_from).stem)
        print(json.dumps(scenario, indent=1))
        return ExitCode.OK
    return _serve(read_recording(args.replay), args.port)


def _serve(recording: Recording, port: int) -> int:
    from wizard.simulator.replay import RunningReplay

    running = started(lambda: RunningReplay(recording, port).start(), port)
    version = str(recording.header.get("flux_setup"))
    dropped = sum(e.dropped_headers for e in recording.exchanges)
    serve_announced(
        running.base_url,
        running.stop,
        f"replaying {len(recording.exchanges)} exchanges of `{_command(recording)}` recorded "
        f"{_recorded_at(recording) or 'at an unknown time'} with flux-setup "
        f"{version if VERSION.fullmatch(version) else '(unknown version)'}; Ctrl-C to stop."
        + (
            f" {dropped} recorded headers HTTP cannot carry (CR, LF, beyond Latin-1) are left out."
            if dropped
            else ""
        )
        + f" The same command, as of the same day:\n  {same_command(recording, running.base_url)}",
    )
    for what in running.replay.unanswered:
        print(f"not in the recording (answered 599): {what}", file=sys.stderr)
    return ExitCode.OK
