#!/usr/bin/env bash
# Measures how soon a dashboard shows the team's numbers from a warm shared table, against the
# same dashboard reading a warm disk cache: starts the emulator (127.0.0.1 only), seeds a
# 40-day, 40-service account, creates the table (`store init`) and warms it with one
# `snapshot`, then runs scripts/first-frame.sh N times for each store. first-frame.sh keeps
# one private HOME for its runs, so its first disk run fetches and warms the disk cache: read
# the median, not the max.
#   ./scripts/shared-first-frame.sh [runs]      default: 10 runs each
# Needs tmux and the emulator venv (./scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-10}"
py=.venv-emulator/bin/python
[[ -x $py ]] || { echo "no emulator venv: run ./scripts/test.sh once (it installs it)" >&2; exit 2; }
cargo build --release --quiet

work="$(mktemp -d)"
port="$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
$py tests/emulator/awsdash_emulator.py --port "$port" --no-stdin-watchdog >"$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null || true; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/_awsdash/health" >/dev/null && break; sleep 0.1; done

# A fixture: the last 40 days (the 30-day window's fetch range and more), 40 services x 3 regions.
$py - "$work/fixture.json" <<'EOF'
import datetime, json, random, sys
random.seed(7)
today = datetime.datetime.now(datetime.timezone.utc).date()
items = []
for d in range(40, -1, -1):
    day = today - datetime.timedelta(days=d)
    for s in range(40):
        for region in ("us-east-1", "eu-west-1", "us-west-2"):
            items.append({"date": day.isoformat(), "service": f"Service {s:02}", "region": region,
                          "account": "123456789012", "record_type": "Usage", "tags": {},
                          "amount": f"{random.uniform(1, 400):.2f}"})
json.dump({"estimated_days": 2, "page_size": 5000, "accounts": {"123456789012": "bench"},
           "items": items}, open(sys.argv[1], "w"))
EOF
curl -sf -X PUT --data @"$work/fixture.json" "$url/_awsdash/fixture" >/dev/null

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=bench-secret
export AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
printf '[store]\nkind = "dynamodb"\ntable = "awsdash-bench"\n' >"$work/shared.toml"
printf '' >"$work/disk.toml"
bin=./target/release/awsdash
home_env=(env HOME="$work/home" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache"
          XDG_DATA_HOME="$work/home/data" XDG_STATE_HOME="$work/home/state")
"${home_env[@]}" $bin store init --endpoint-url "$url" --config "$work/shared.toml" >/dev/null
"${home_env[@]}" $bin snapshot --json --endpoint-url "$url" --config "$work/shared.toml" >/dev/null

# Cost Explorer requests in the emulator's journal: the shared runs must make none.
ce_calls() { curl -sf "$url/_awsdash/journal" | $py -c 'import json, sys; print(sum(e["service"] == "ce" for e in json.load(sys.stdin)))'; }
for store in shared disk; do
    curl -sf -X DELETE "$url/_awsdash/journal" >/dev/null
    echo "== first frame with data, $store store (ms)"
    ./scripts/first-frame.sh "$runs" --endpoint-url "$url" --config "$work/$store.toml" |
        sed -E 's/ ms//' | sort -n | awk '{v[NR]=$1} END {printf "runs %d  median %s  min %s  max %s\n", NR, v[int((NR+1)/2)], v[1], v[NR]}'
    echo "Cost Explorer requests during these runs: $(ce_calls)"
done
