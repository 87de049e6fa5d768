#!/usr/bin/env bash
# Measures the time from exec to the dashboard's first frame with data (DESIGN budget: 50 ms
# from a warm cache). Runs the release binary N times in a detached 80x24 tmux pane with a
# private HOME, quits it, and prints what it logged ("first frame with data", ms).
#   ./scripts/first-frame.sh [runs] [awsdash args...]     default: 5 runs, --demo
# For AWS data from a warm cache, pass e.g. `--endpoint-url http://127.0.0.1:PORT` with
# credentials in the environment: the first run warms the cache, the rest read it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
shift || true
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(--demo)
command -v tmux >/dev/null || { echo "first-frame.sh needs tmux (apt-get install tmux)" >&2; exit 2; }
cargo build --release --quiet
home="$(mktemp -d)"
trap 'tmux -L awsdash-ff kill-server 2>/dev/null || true; rm -rf "$home"' EXIT
log="$home/data/awsdash/awsdash.log"
for i in $(seq "$runs"); do
    tmux -L awsdash-ff new-session -d -s ff -x 80 -y 24 \
        "env HOME=$home XDG_CONFIG_HOME=$home/config XDG_CACHE_HOME=$home/cache \
         XDG_DATA_HOME=$home/data TERM=xterm-256color ./target/release/awsdash ${args[*]}"
    for _ in $(seq 100); do
        [[ -f $log ]] && (( $(grep -c "first frame with data" "$log" || true) >= i )) && break
        sleep 0.1
    done
    tmux -L awsdash-ff send-keys -t ff q
    sleep 0.3
    tmux -L awsdash-ff kill-server 2>/dev/null || true
done
grep "first frame with data" "$log" | sed -E 's/.*ms=([0-9.]+).*/\1 ms/'
