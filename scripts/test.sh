#!/usr/bin/env bash
# The project's test command: ensures the pinned AWS emulator venv exists, then runs cargo test.
#   ./scripts/test.sh [cargo test args...]
# (Re)creates .venv-emulator/ when it is missing or tests/emulator/requirements.txt changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv-emulator"
REQS="$ROOT/tests/emulator/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PY="$VENV/bin/python"

log() { printf 'test.sh: %s\n' "$*" >&2; }

want="$(sha256sum "$REQS" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [[ ! -x "$PY" || "$want" != "$have" ]]; then
    started=$SECONDS
    if [[ -x "$PY" ]]; then
        log "tests/emulator/requirements.txt changed; reinstalling $VENV"
    else
        log "creating $VENV (python3 -m venv)"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    rm -f "$STAMP"
    log "installing pinned emulator requirements (this takes about a minute the first time)"
    "$PY" -m pip install --disable-pip-version-check --quiet -r "$REQS" >&2
    "$PY" -c 'import moto, cbor2, werkzeug' >&2
    printf '%s\n' "$want" >"$STAMP"
    log "emulator venv ready in $((SECONDS - started))s"
else
    log "emulator venv up to date ($VENV)"
fi

export AWSDASH_EMULATOR_PYTHON="$PY"
log "running: cargo test $*"
exec cargo test "$@"
