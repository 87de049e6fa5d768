#!/usr/bin/env bash
# Runs every test binary under libfaketime at the instants where calendars break: a New
# Year's Day just after midnight, the last minutes of a February, a leap day, the morning of
# a 1st of March. The offset form (`faketime -f +SECONDS`) keeps time moving and is the same
# in every child process (the emulator, the binary under test), so they agree on "today".
#   ./scripts/test-shifted-clock.sh [INSTANT ...]     (default: the four instants below)
# Needs faketime (Debian package `faketime`) and the emulator venv (./scripts/test.sh makes it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'test-shifted-clock: %s\n' "$*" >&2; }

if ! command -v faketime >/dev/null 2>&1; then
    log "faketime is missing: apt-get install faketime"
    exit 1
fi

instants=("$@")
if [[ ${#instants[@]} -eq 0 ]]; then
    instants=("2027-01-01 00:20:00" "2027-02-28 23:40:00" "2028-02-29 12:00:00" "2028-03-01 08:00:00")
fi

export AWSDASH_EMULATOR_PYTHON="${AWSDASH_EMULATOR_PYTHON:-$ROOT/.venv-emulator/bin/python}"
if [[ ! -x "$AWSDASH_EMULATOR_PYTHON" ]]; then
    log "no emulator venv at $AWSDASH_EMULATOR_PYTHON: run ./scripts/test.sh first"
    exit 1
fi

# The test executables cargo would run (unit tests of the library and binary, integration
# tests), built once with the real clock.
mapfile -t binaries < <(cargo test --no-run --message-format=json \
    | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])
')
if [[ ${#binaries[@]} -eq 0 ]]; then
    log "cargo test --no-run produced no test executables"
    exit 1
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
failed=0
for instant in "${instants[@]}"; do
    for bin in "${binaries[@]}"; do
        # The offset is taken just before each binary starts, so every one of them begins at
        # the instant itself (a long run cannot drift across the midnight it is meant to test).
        offset=$(( $(date -u -d "$instant UTC" +%s) - $(date -u +%s) ))
        sign=$( ((offset >= 0)) && printf +)
        # -m: the multi-threaded libfaketime; tokio and the test harness read the clock from
        # many threads, and the single-threaded one was seen handing Rust an invalid timestamp
        # (a panic in Instant::now). The monotonic clock is shifted too: leaving it real makes
        # Python's time.sleep fail with EINVAL in the emulator.
        if faketime -m -f "${sign}${offset}s" "$bin" -q >"$out" 2>&1; then
            log "$instant UTC: ok $(basename "$bin") ($(awk '/test result/ {s += $4} END {print s + 0}' "$out") tests)"
        else
            cat "$out" >&2
            log "$instant UTC: FAILED $(basename "$bin")"
            failed=1
        fi
    done
done
exit $failed
