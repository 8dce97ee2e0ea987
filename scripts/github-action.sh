#!/usr/bin/env bash
# The check step of the GitHub Action (action.yml): run `flux-setup check` with --json, then
# write the job summary and annotations and pass or fail by the chosen exit codes
# (`python -m wizard.ci`). Inputs arrive as environment variables, never spliced into the
# script text: a folder name or an argument cannot inject a command.
set -uo pipefail

# An empty api-key input must not hide a key the job's own environment sets.
if [ -n "${INPUT_API_KEY:-}" ]; then
  export ANTHROPIC_API_KEY="$INPUT_API_KEY"
fi
report="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/flux-setup-report.json"
args=(check --json --no-input)
if [ "${INPUT_ALL:-true}" = "true" ]; then
  # every word of every line: a YAML block (one folder a line) keeps them all
  read -r -d "" -a folders <<< "${INPUT_FOLDERS:-.}"
  args+=(--all "${folders[@]}")
fi
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "${INPUT_ARGS}"
  args+=("${extra[@]}")
fi

flux-setup "${args[@]}" > "$report"
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  echo "report=$report" >> "$GITHUB_OUTPUT"
fi
python -m wizard.ci "$report" --fail-on "${INPUT_FAIL_ON:-11,12}"
