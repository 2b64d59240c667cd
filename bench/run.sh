#!/usr/bin/env bash
# Load benchmarks of the built mockserver on loopback at its default
# settings (log level info, one line per request, to /dev/null), each beside
# a bare net/http baseline answering a constant body of the same size, so
# that results are ratios measured in one run. Also: start-up time and idle
# resident memory beside a bare gin server (bench/gin) built and started the
# same way, the suite-scale benchmark (1,000 sessions in parallel against
# one), resident memory after 1,000,000 iSolarCloud token issues, and the
# RS256 signing rate that bounds solarman.token. It ends with the issue-14
# targets, each ratio beside its target.
#
#   bash bench/run.sh   # DUR=10s CONN=32 RUNS=20 ISSUES=1000000: about 3 minutes
#
# Needs wrk (Debian package `wrk`; installed here when missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10s}
CONN=${CONN:-32}
ISSUES=${ISSUES:-1000000}
RUNS=${RUNS:-20}

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is missing (apt-get install wrk)" >&2
    exit 1
  fi
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3), wrk -t2 -c$CONN -d$DUR"
flags=(-trimpath -tags nomsgpack -ldflags "-s -w") # as the Dockerfile builds the mock
go build "${flags[@]}" -o "$tmp/mockserver" ./cmd/mockserver
go build "${flags[@]}" -o "$tmp/gin" ./bench/gin
go build -o "$tmp/baseline" ./bench/baseline
go build -o "$tmp/startup" ./bench/startup
go build -o "$tmp/issue" ./bench/issue
echo "binary: $(stat -c %s "$tmp/mockserver") bytes (bare gin: $(stat -c %s "$tmp/gin") bytes)"

wait_addr() {
  for _ in $(seq 1 200); do
    [ -s "$1" ] && { head -n1 "$1"; return; }
    sleep 0.05
  done
  echo "bench: no address in $1" >&2
  exit 1
}

"$tmp/mockserver" --addr 127.0.0.1:0 --addr-file "$tmp/mock.addr" --fixtures bench/fixtures.yaml 2>/dev/null &
mock_pid=$!
pids+=("$mock_pid")
mock="http://$(wait_addr "$tmp/mock.addr")"
rss() { awk '/^VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }
echo "resident memory, idle: $(rss "$mock_pid")"

# One wrk script per endpoint: method, path, headers and body.
script() { # name method path body header...
  local f="$tmp/$1.lua" name=$1 method=$2 path=$3 body=$4
  shift 4
  {
    echo "wrk.method = \"$method\""
    echo "wrk.path = \"$path\""
    printf 'wrk.body = [[%s]]\n' "$body"
    for h in "$@"; do echo "wrk.headers[\"${h%%:*}\"] = \"${h#*: }\""; done
  } >"$f"
  echo "$f"
}
isolar_body='{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}'
solarman_body='{"appSecret":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","username":"cvwwb","password":"472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"}'
declare -A scripts
scripts[isolar.token]=$(script isolar POST /openapi/apiManage/token "$isolar_body" "x-access-key: MOCKSECRETKEY0123456789ABCDEFGHI" "Content-Type: application/json")
scripts[oauth.token]=$(script oauth POST /oauth/token "grant_type=client_credentials&client_id=bench&client_secret=bench-secret" "Content-Type: application/x-www-form-urlencoded")
scripts[solarman.token]=$(script solarman POST "/account/v1.0/token?appId=202304010000001" "$solarman_body" "Content-Type: application/json")
scripts[health]=$(script health GET /_mock/health "")

# body_size: the mock's answer size for the endpoint, for the baseline.
body_size() {
  case $1 in
    isolar.token) curl -s -X POST "$mock/openapi/apiManage/token" -H 'x-access-key: MOCKSECRETKEY0123456789ABCDEFGHI' -d "$isolar_body" | wc -c ;;
    oauth.token) curl -s -X POST "$mock/oauth/token" -d 'grant_type=client_credentials&client_id=bench&client_secret=bench-secret' | wc -c ;;
    solarman.token) curl -s -X POST "$mock/account/v1.0/token?appId=202304010000001" -d "$solarman_body" | wc -c ;;
    health) curl -s "$mock/_mock/health" | wc -c ;;
  esac
}

# load URL SCRIPT: prints "rps p50 p99" (latencies in ms).
load() {
  wrk -t2 -c"$CONN" -d"$DUR" --latency -s "$2" "$1" 2>/dev/null | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%.0f %.2f %.2f", rps, p50, p99 }'
}

printf '\n%-15s %10s %8s %8s %11s %8s %8s %6s\n' endpoint "mock req/s" "p50 ms" "p99 ms" "baseline/s" "p50 ms" "p99 ms" ratio
for ep in isolar.token oauth.token solarman.token health; do
  size=$(body_size "$ep")
  rm -f "$tmp/base.addr"
  "$tmp/baseline" -size "$size" -addr-file "$tmp/base.addr" &
  base_pid=$!
  base="http://$(wait_addr "$tmp/base.addr")"
  read -r mrps m50 m99 <<<"$(load "$mock" "${scripts[$ep]}")"
  read -r brps b50 b99 <<<"$(load "$base" "${scripts[$ep]}")"
  kill "$base_pid"; wait "$base_pid" 2>/dev/null || true
  printf '%-15s %10s %8s %8s %11s %8s %8s %5.0f%%\n' "$ep" "$mrps" "$m50" "$m99" "$brps" "$b50" "$b99" "$(echo "100*$mrps/$brps" | bc -l)"
  [ "$ep" = isolar.token ] && isolar_ratio=$(echo "$mrps/$brps" | bc -l)
done

echo
sign=$(go test -run '^$' -bench BenchmarkRS256Sign -cpu "$(nproc)" ./internal/solarman | awk '/BenchmarkRS256Sign/ {printf "%.0f", 1e9/$3}')
echo "RS256 signatures/s on all cores: $sign (solarman.token's limit, two per answer: $((sign / 2)) answers/s)"

"$tmp/startup" -bin "$tmp/mockserver" -base "$tmp/gin" -n "$RUNS" | tee "$tmp/startup.out"

suite=$(go test -run '^$' -bench BenchmarkSuiteScale -benchtime 3x ./internal/app | awk '/BenchmarkSuiteScale/ {for (i = 3; i < NF; i++) { if ($(i+1) == "ratio") r = $i; if ($(i+1) == "lifecycles/s-1-session") one = $i; if ($(i+1) == "lifecycles/s-1000-sessions") many = $i } printf "%s %s %s", one, many, r}')
read -r suite1 suite1000 suite_ratio <<<"$suite"
echo "suite scale: $suite1 lifecycles/s in one session, $suite1000 in 1,000 parallel sessions"

echo "issuing $ISSUES fresh iSolarCloud token pairs..."
"$tmp/issue" -url "$mock" -n "$ISSUES" -c "$CONN"
echo "resident memory after $ISSUES token issues: $(rss "$mock_pid") (peak $(awk '/^VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$mock_pid/status"))"

# The targets of issue 14, each ratio beside its target.
met() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo met; else echo "NOT met"; fi; }
startup_ratio=$(awk '/^start-up ratio/ {print $4}' "$tmp/startup.out")
rss_diff=$(awk '/^idle RSS mock/ {print $6}' "$tmp/startup.out")
echo
printf '%-40s %10s   %-16s %s\n' measure ratio target ""
printf '%-40s %10s   %-16s %s\n' "start-up, mock / bare gin (median)" "$startup_ratio" "≤ 1.25" "$(met "$startup_ratio <= 1.25")"
printf '%-40s %10s   %-16s %s\n' "idle RSS, mock - bare gin (MiB)" "$rss_diff" "≤ +3 MiB" "$(met "${rss_diff#+} <= 3")"
printf '%-40s %10.2f   %-16s %s\n' "isolar.token, mock / net/http (info log)" "$isolar_ratio" "≥ 0.8" "$(met "$isolar_ratio >= 0.8")"
printf '%-40s %10s   %-16s %s\n' "suite scale, 1,000 sessions / 1 session" "$suite_ratio" "≥ 0.5" "$(met "$suite_ratio >= 0.5")"
