"""`flux-setup simulator --replay FILE` and `--scenario-from FILE`: a recording served back, or
turned into a scenario file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from wizard.constants import CLOCK_VAR
from wizard.errors import ExitCode, UsageError
from wizard.keys import API_KEY_PREFIX, MIN_LENGTH
from wizard.recording import Recording, RecordingError, parse
from wizard.simulator.cli import serve_until_stopped


def read_recording(name: str) -> Recording:
    path = Path(name)
    try:
        from wizard.fileio import read_optional

        data = read_optional(path, flag="--replay")
    except Exception as exc:  # a FilesError says which and why
        raise UsageError(str(getattr(exc, "message", exc)), fix="Pass a recording file.") from None
    if data is None:
        raise UsageError(f"{path} does not exist.", fix="Pass a file `--record FILE` wrote.")
    try:
        return parse(data.decode("utf-8", "replace"), str(path))
    except RecordingError as exc:
        raise UsageError(
            str(exc), fix="Pass a file `--record FILE` or `doctor --report FILE` wrote."
        ) from None


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

    try:
        running = RunningReplay(recording, port).start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", fix="Pick another --port."
        ) from None
    print(running.base_url, flush=True)  # alone on stdout: scripts read this line
    head = recording.header
    asked = recording.invocation
    prefer = asked.get("prefer")
    key = API_KEY_PREFIX + "0" * MIN_LENGTH
    clock = f"{CLOCK_VAR}={recording.recorded_at} " if recording.recorded_at else ""

    def announce() -> None:
        print(
            f"replaying {len(recording.exchanges)} exchanges of `{recording.command}` recorded "
            f"{recording.recorded_at or 'at an unknown time'} with flux-setup "
            f"{head.get('flux_setup')}; Ctrl-C to stop. The same command, as of the same day:\n"
            f"  {clock}ANTHROPIC_BASE_URL={running.base_url} ANTHROPIC_API_KEY={key} "
            f"FLUX_MODEL={asked.get('configured') or ''} flux-setup {recording.command}"
            + (f" --prefer {','.join(map(str, prefer))}" if isinstance(prefer, list) else ""),
            file=sys.stderr,
            flush=True,
        )

    serve_until_stopped(running.stop, announce)
    for what in running.replay.unanswered:
        print(f"not in the recording (answered 599): {what}", file=sys.stderr)
    return ExitCode.OK
