#!/usr/bin/env bash
# Times `mailsalvage recover` beside python3's mailbox module splitting the
# same generated mbox into one file per message, in one run, and measures
# the splitter alone on the same file from the page cache.
#
#   bench/mbox.sh            # 1 GiB
#   bench/mbox.sh 4GiB       # any size internal/synth/mkmbox accepts
#
# Both tools write their output to the disk ($BENCH_DIR, default
# /tmp/mailsalvage-bench) and, when /dev/shm has room, to tmpfs too: on a
# shared machine the disk's speed swings from run to run, and tmpfs shows
# the tools' own cost. Needs go, python3, GNU time, bc.
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

measure() { # out-dir, then the command; prints "seconds maxrss_kib files"
	local out=$1; shift
	rm -rf "$out"
	/usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > /dev/null 2>"$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }
	echo "$(cat "$dir/time.txt") $(find "$out" -name '*.eml' | wc -l)"
	rm -rf "$out"
	sync
}

targets=("$dir")
shm_free=$(df --output=avail -B1 /dev/shm 2>/dev/null | tail -1 || echo 0)
[ "${shm_free:-0}" -gt $((bytes * 3)) ] && targets+=("/dev/shm/mailsalvage-bench")

echo "file: $mbox ($bytes bytes, $(date -u +%F))"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | awk '{print $3}'), $(python3 --version)"
printf '| output on | tool | seconds | peak RSS MiB | .eml files | MB/s |\n|---|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
	mkdir -p "$t"
	read -r ms_s ms_kb ms_n <<<"$(measure "$t/out-ms" "$dir/mailsalvage" recover "$mbox" -o "$t/out-ms" --quiet)"
	read -r py_s py_kb py_n <<<"$(measure "$t/out-py" python3 bench/pysplit.py "$mbox" "$t/out-py")"
	fs=$(df --output=fstype "$t" | tail -1)
	printf '| %s | mailsalvage recover | %s | %d | %s | %.0f |\n' "$fs" "$ms_s" $((ms_kb / 1024)) "$ms_n" "$(echo "$bytes/1000000/$ms_s" | bc -l)"
	printf '| %s | python3 mailbox split | %s | %d | %s | %.0f |\n' "$fs" "$py_s" $((py_kb / 1024)) "$py_n" "$(echo "$bytes/1000000/$py_s" | bc -l)"
	printf '| %s | **speed-up** | **%.1fx** | | | |\n' "$fs" "$(echo "$py_s/$ms_s" | bc -l)"
done
scan=$(MBOX_BENCH_FILE="$mbox" go test ./formats/mbox/ -run '^$' -bench 'BenchmarkScanFile$' -benchtime 3x | awk '/BenchmarkScanFile/ {print $(NF-1)}')
echo "splitter alone (formats/mbox Scanner over the file, page cache): $scan MB/s"
