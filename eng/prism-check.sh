#!/usr/bin/env bash
# Conformance check against an independent validating mock: Prism (@stoplight/prism-cli 5.16.x) serves Replicate's
# OpenAPI spec, validates every request the SDK sends, and answers from the spec's examples (static pass) or from
# random schema-valid data (dynamic passes, one per seed). eng/PrismCheck calls all 36 operations Prism can serve
# (models.search uses the QUERY method, which Prism cannot serve) and fails on any request violation or any response
# the SDK cannot read. Opt-in: needs npm and Node; not part of `dotnet test`.
#
# Usage: bash eng/prism-check.sh            (static pass, then dynamic passes with seeds 1..5)
#        PRISM_SEEDS="7 8" bash eng/prism-check.sh
# Exit code: 0 when every pass conforms, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

spec=${PRISM_SPEC:-$root/tests/Replicate.Testing.Tests/openapi.json}   # a byte copy of Replicate's published spec
seeds=${PRISM_SEEDS:-1 2 3 4 5}
prism_dir=$root/eng/.prism                                              # gitignored
prism_bin=$prism_dir/node_modules/.bin/prism
log_dir=$root/artifacts/prism-check
mkdir -p "$log_dir"

for tool in node npm dotnet curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "prism-check: '$tool' is required" >&2; exit 1; }
done

if [[ ! -x $prism_bin ]]; then
  echo "prism-check: installing @stoplight/prism-cli@5.16.x into eng/.prism"
  mkdir -p "$prism_dir"
  # --ignore-scripts: Prism needs no install script, and one of its dependencies has an analytics postinstall.
  timeout 300 npm install --prefix "$prism_dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
    @stoplight/prism-cli@5.16.x
fi
echo "prism-check: Prism $(timeout 30 "$prism_bin" --version) on Node $(node --version)"
# Prism 5.16 declares node >= 24.18 in its package.json; what it uses runs on Node 20 (measured), so only say so.
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 24)) || echo "prism-check: note: Prism 5.16 asks for Node >= 24.18; running on $(node --version) anyway"

echo "prism-check: building eng/PrismCheck"
timeout 600 dotnet build "$root/eng/PrismCheck/PrismCheck.csproj" -c Release -nologo -v quiet -o "$root/artifacts/prism-check/bin" >"$log_dir/build.log" 2>&1 \
  || { cat "$log_dir/build.log"; echo "prism-check: build failed" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

prism_pid=
stop_prism() {
  if [[ -n $prism_pid ]] && kill -0 "$prism_pid" 2>/dev/null; then
    kill "$prism_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$prism_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$prism_pid" 2>/dev/null || true
  fi
  prism_pid=
}
trap stop_prism EXIT

# run_pass NAME [prism flags...]: starts Prism on 127.0.0.1 and a free port, waits (at most 60 s) until it answers,
# runs the checker (at most 300 s), stops Prism. Returns the checker's exit code.
run_pass() {
  local name=$1; shift
  local port; port=$(free_port)
  local log="$log_dir/prism-$name.log"
  # The spec's security scheme is checked too: the checker sends a bearer token, as the SDK always does.
  "$prism_bin" mock -h 127.0.0.1 -p "$port" "$@" "$spec" >"$log" 2>&1 &
  prism_pid=$!
  local ready=
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/account"; then ready=1; break; fi
    kill -0 "$prism_pid" 2>/dev/null || break
    sleep 0.5
  done
  if [[ -z $ready ]]; then
    echo "prism-check: Prism did not start for the $name pass; its log:" >&2
    tail -20 "$log" >&2
    stop_prism
    return 1
  fi

  local rc=0
  timeout 300 dotnet "$root/artifacts/prism-check/bin/PrismCheck.dll" "http://127.0.0.1:$port/" "$spec" "$name" || rc=$?
  stop_prism
  return $rc
}

failed_passes=()
run_pass static || failed_passes+=(static)
for seed in $seeds; do
  run_pass "dynamic-seed-$seed" -d --seed "$seed" || failed_passes+=("dynamic-seed-$seed")
done

passes=$((1 + $(wc -w <<<"$seeds")))
echo
if ((${#failed_passes[@]} == 0)); then
  echo "prism-check: all $passes passes conform (static + $((passes - 1)) dynamic; Prism logs in artifacts/prism-check/)"
  exit 0
fi
echo "prism-check: $((passes - ${#failed_passes[@]})) of $passes passes conform; nonconformance in: ${failed_passes[*]} (Prism logs in artifacts/prism-check/)" >&2
exit 1
