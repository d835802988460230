#!/usr/bin/env bash
# Runs every `go test -fuzz` target of the repository for a given time,
# one after another (or -j at a time), and prints a Markdown table:
# package, target, time, execs, result. Targets are discovered with grep,
# so new ones are included without editing this script.
#
#   bench/fuzz.sh                 # 60s per target, one at a time
#   bench/fuzz.sh 2m              # any -fuzztime duration
#   bench/fuzz.sh -j 2 90s        # two targets at a time
#   bench/fuzz.sh 30s formats/rfc5322 FuzzNames   # only targets whose
#                                 # package or name matches an argument
#
# Each target runs with -parallel ${FUZZ_PARALLEL:-1} workers and
# -fuzzminimizetime ${FUZZ_MINIMIZE:-10s}: go test's default (60s per new
# input) can spend a whole short run minimizing one large seed, with the
# exec count frozen meanwhile. A failing
# input is written by go test under the package's testdata/fuzz/<target>/
# (the table names it): minimize it, keep it as a seed and add a
# regression test. Logs go to ${FUZZ_LOG_DIR:-/tmp/mailsalvage-fuzz}.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=1
if [ "${1:-}" = "-j" ]; then
	jobs=$2
	shift 2
fi
dur=${1:-60s}
[ $# -gt 0 ] && shift
filters=("$@")
par=${FUZZ_PARALLEL:-1}
minimize=${FUZZ_MINIMIZE:-10s}
logdir=${FUZZ_LOG_DIR:-/tmp/mailsalvage-fuzz}
mkdir -p "$logdir"

# "pkgdir target" for every fuzz target
mapfile -t targets < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . |
	sed -E 's#^\./(.*)/[^/]+_test\.go:[0-9]+:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#' | sort -u)

selected=()
for t in "${targets[@]}"; do
	if [ ${#filters[@]} -eq 0 ]; then
		selected+=("$t")
		continue
	fi
	for f in "${filters[@]}"; do
		case "$t" in *"$f"*) selected+=("$t"); break ;; esac
	done
done
[ ${#selected[@]} -gt 0 ] || { echo "no fuzz target matches ${filters[*]}" >&2; exit 1; }

run_one() { # pkgdir target: writes $logdir/<pkg>_<target>.{log,row}
	local pkg=$1 target=$2
	local key
	key=$(echo "$pkg" | tr '/' '_')_$target
	local log="$logdir/$key.log"
	local before after start end result execs new
	before=$(ls "$pkg/testdata/fuzz/$target" 2>/dev/null | sort || true)
	start=$(date +%s)
	if go test "./$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$dur" -fuzzminimizetime "$minimize" -parallel "$par" >"$log" 2>&1; then
		result=ok
	else
		result=FAIL
	fi
	end=$(date +%s)
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
	if [ "$result" = FAIL ]; then
		after=$(ls "$pkg/testdata/fuzz/$target" 2>/dev/null | sort || true)
		new=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
		if [ -n "$new" ]; then
			result="FAIL: $pkg/testdata/fuzz/$target/$new"
		else
			result="FAIL: see $log"
		fi
	fi
	printf '| %s | %s | %ss | %s | %s |\n' "$pkg" "$target" "$((end - start))" "$execs" "$result" >"$logdir/$key.row"
	echo "$pkg $target: $result ($((end - start))s, $execs execs)" >&2
}

# compile every package once up front, so that the first runs are not
# charged for it
pkgs=$(printf '%s\n' "${selected[@]}" | cut -d' ' -f1 | sort -u | sed 's#^#./#')
# shellcheck disable=SC2086
go test -count=1 -run '^$' $pkgs >/dev/null

rm -f "$logdir"/*.row
running=0
for t in "${selected[@]}"; do
	# shellcheck disable=SC2086
	run_one $t &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait || true

echo "fuzz.sh: $dur per target, -parallel $par, -fuzzminimizetime $minimize, $jobs at a time, $(go env GOVERSION), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| package | target | time | execs | result |"
echo "|---|---|---|---|---|"
for t in "${selected[@]}"; do
	set -- $t
	cat "$logdir/$(echo "$1" | tr '/' '_')_$2.row"
done
! grep -q FAIL "$logdir"/*.row
