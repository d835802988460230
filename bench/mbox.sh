#!/usr/bin/env bash
# Times `mailsalvage recover` beside python3's mailbox module splitting the
# same generated mbox into files, in one run, and measures the splitter's
# parse speed on the same file from the page cache.
#
#   bench/mbox.sh            # 1 GiB
#   bench/mbox.sh 4GiB       # any size mkmbox accepts
#
# Needs: go, python3, /usr/bin/time (GNU). Uses $BENCH_DIR (default
# /tmp/mailsalvage-bench) for the mbox and the outputs; about 3x the size
# in free space.
set -euo pipefail
size=${1:-1GiB}
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailsalvage-bench}
mkdir -p "$dir"
mbox="$dir/bench-$size.mbox"

go build -o "$dir/mailsalvage" ./cmd/mailsalvage
[ -f "$mbox" ] || go run ./internal/synth/mkmbox -size "$size" -o "$mbox"
bytes=$(stat -c %s "$mbox")
cat "$mbox" > /dev/null  # into the page cache, for both tools alike

measure() { # label, then the command; prints "label seconds maxrss_kib"
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > /dev/null 2>"$dir/$label.err" || { cat "$dir/$label.err"; exit 1; }
	echo "$label $(cat "$dir/time.txt")"
}

rm -rf "$dir/out-ms" "$dir/out-py"
ms=$(measure mailsalvage "$dir/mailsalvage" recover "$mbox" -o "$dir/out-ms" --quiet)
py=$(measure python3 python3 bench/pysplit.py "$mbox" "$dir/out-py")
ms_n=$(find "$dir/out-ms/messages" -name '*.eml' | wc -l)
py_n=$(find "$dir/out-py" -name '*.eml' | wc -l)
scan=$(MBOX_BENCH_FILE="$mbox" go test ./formats/mbox/ -run '^$' -bench 'BenchmarkScanFile$' -benchtime 3x | awk '/BenchmarkScanFile/ {print $(NF-1)}')
rm -rf "$dir/out-ms" "$dir/out-py"

read -r _ ms_s ms_kb <<<"$ms"
read -r _ py_s py_kb <<<"$py"
echo "file: $mbox ($bytes bytes)"
echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//'), $(go version | awk '{print $3}'), $(python3 --version)"
printf '| tool | seconds | peak RSS MiB | files | MB/s |\n|---|---|---|---|---|\n'
printf '| mailsalvage recover | %s | %d | %s | %.0f |\n' "$ms_s" $((ms_kb/1024)) "$ms_n" "$(echo "$bytes/1000000/$ms_s" | bc -l)"
printf '| python3 mailbox split | %s | %d | %s | %.0f |\n' "$py_s" $((py_kb/1024)) "$py_n" "$(echo "$bytes/1000000/$py_s" | bc -l)"
printf 'end-to-end speed-up: %.1fx; splitter alone (page cache): %s MB/s\n' "$(echo "$py_s/$ms_s" | bc -l)" "$scan"
