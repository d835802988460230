#!/usr/bin/env bash
# Times `mailsalvage carve` on a generated raw image beside `cat image >
# /dev/null` and PhotoRec (testdisk package, unattended /cmd run with the
# txt family, which holds its mail and mbox signatures) in one run, from
# the page cache, pinned to two cores; then the carver alone (no output
# written: go test -bench BenchmarkCarve on the same file), the floors no
# carver can beat here (bench/carvefloor: reading the image bare and with
# the cheapest byte searches, writing the same files again), and the peak
# RSS of `mailsalvage carve` on a 1 GiB and a 4 GiB image, and the 1 GiB
# image again as an E01 (when ewfacquire is installed).
#
#   bench/carve.sh              # 1 GiB, RSS at 1 and 4 GiB
#   bench/carve.sh 256MiB 1GiB  # any sizes mkimage accepts (64 MiB steps)
#
# Images come from carve/internal/mkimage: 2 KiB clusters of messages
# among random bytes, zeros and text, some truncated, some fragmented,
# with a ground-truth file; each tool's output is scored against it
# (planted contiguous messages found as one file with the exact bytes).
# Outputs go to /dev/shm when it has room ($BENCH_DIR otherwise, default
# /tmp/mailsalvage-bench). Needs go, GNU time, bc, taskset, photorec.
set -euo pipefail
size=${1:-1GiB}
big=${2:-4GiB}
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailsalvage-bench}
mkdir -p "$dir"
cores=${BENCH_CORES:-0,1}

go build -o "$dir/mailsalvage" ./cmd/mailsalvage
mk() { # size: prints the image path, made if missing
	local img="$dir/carve-$1.dd"
	[ -f "$img" ] && [ -f "$img.truth" ] || go run ./carve/internal/mkimage -size "$1" -o "$img" -truth "$img.truth" >&2
	echo "$img"
}
img=$(mk "$size")
bytes=$(stat -c %s "$img")

out=$dir
shm_free=$(df --output=avail -B1 /dev/shm 2>/dev/null | tail -1 || echo 0)
[ "${shm_free:-0}" -gt $((bytes * 2)) ] && out=/dev/shm/mailsalvage-carve-bench
mkdir -p "$out"

pin=(taskset -c "$cores")

measure() { # out-dir, then the command; prints "seconds maxrss_kib cpu_seconds"
	local o=$1; shift
	rm -rf "$o"
	mkdir -p "$o"
	/usr/bin/time -o "$o.time" -f '%e %M %U %S' "$@" >/dev/null 2>&1 || true
	tail -1 "$o.time" | awk '{print $1, $2, $3 + $4}'
}

exact() { # folder truth [kind]: planted messages of a kind (contiguous) found as one exact file
	find "$1" -type f -print0 | xargs -0 -r sha256sum | awk '{print $1}' | sort -u >"$1.sums"
	awk -v k="${3:-contiguous}" '$2 == k {print $1}' "$2" | sort -u | comm -12 - "$1.sums" | wc -l
}

files() { find "$1" -type f \( -name '*.eml' -o -name '*.txt' -o -name '*.mbox' \) | wc -l; }

cat "$img" >/dev/null # into the page cache, for every tool alike
best_cat=""
for _ in 1 2 3; do
	t0=$EPOCHREALTIME
	"${pin[@]}" cat "$img" >/dev/null
	t1=$EPOCHREALTIME
	s=$(echo "$t1 - $t0" | bc -l)
	if [ -z "$best_cat" ] || [ "$(echo "$s < $best_cat" | bc -l)" = 1 ]; then best_cat=$s; fi
done
best_cat=$(printf '%.4f' "$best_cat")

contig=$(awk '$2 == "contiguous"' "$img.truth" | wc -l)
planted=$(wc -l <"$img.truth")

read -r ms_s ms_kb ms_cpu <<<"$(GOMAXPROCS=2 measure "$out/ms" "${pin[@]}" "$dir/mailsalvage" carve "$img" -o "$out/ms" -q)"
ms_n=$(find "$out/ms/messages" -type f | wc -l)
ms_x=$(exact "$out/ms/messages" "$img.truth")
ms_f=$(exact "$out/ms/messages" "$img.truth" fragmented)
# the floors: reading and searching the image, writing the same files again
go build -o "$dir/carvefloor" ./bench/carvefloor
floors=$("${pin[@]}" "$dir/carvefloor" "$img" "$out/ms/messages" "$out/floor")
rm -rf "$out/ms"

pr_s=- pr_kb=0 pr_n=- pr_x=- pr_cpu=-
if command -v photorec >/dev/null; then
	read -r pr_s pr_kb pr_cpu <<<"$(measure "$out/pr" "${pin[@]}" photorec /d "$out/pr/r" /cmd "$img" partition_none,fileopt,everything,disable,txt,enable,search)"
	pr_n=$(find "$out/pr" -type f -path '*/r.*' | wc -l)
	pr_x=$(exact "$out/pr" "$img.truth")
	rm -rf "$out/pr"
fi

go test -c -o "$dir/carve.test" ./carve
alone_run() { # image: prints "MB/s maxrss_kib" of the carver alone
	(cd carve && CARVE_BENCH_FILE="$1" GOMAXPROCS=2 /usr/bin/time -o "$dir/alone.time" -f '%M %U %S' "${pin[@]}" "$dir/carve.test" \
		-test.run '^$' -test.bench 'BenchmarkCarve$' -test.benchtime 1x | awk '/BenchmarkCarve/ {printf "%s ", $(NF-3)}')
	tail -1 "$dir/alone.time" | awk '{print $1, $2 + $3}'
}
read -r alone alone_kb alone_cpu <<<"$(alone_run "$img")"

mbs() { echo "$bytes/1000000/$1" | bc -l; }
echo "image: $img ($bytes bytes; $planted messages planted, $contig contiguous), $(date -u +%F)"
echo "machine: $(nproc) cores (runs pinned to $cores), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | awk '{print $3}'), $(photorec -v 2>/dev/null | head -1 || true)"
printf '| tool | seconds | MB/s | CPU seconds | peak RSS MiB | files | planted contiguous messages exact |\n|---|---|---|---|---|---|---|\n'
printf '| cat image > /dev/null | %s | %.0f | | | | |\n' "$best_cat" "$(mbs "$best_cat")"
printf '| mailsalvage carve | %s | %.0f | %s | %d | %s | %s of %s |\n' "$ms_s" "$(mbs "$ms_s")" "$ms_cpu" $((ms_kb / 1024)) "$ms_n" "$ms_x" "$contig"
if [ "$pr_s" != - ]; then
	printf '| photorec (txt family) | %s | %.0f | %s | %d | %s | %s of %s |\n' "$pr_s" "$(mbs "$pr_s")" "$pr_cpu" $((pr_kb / 1024)) "$pr_n" "$pr_x" "$contig"
fi
printf '| carver alone (BenchmarkCarve, no output; reads every message back) | | %s | %s | %d | | |\n' "$alone" "$alone_cpu" $((alone_kb / 1024))
printf 'carve throughput / cat throughput: %.1f%% (with output), %.1f%% (carver alone); machine load average: %s\n' \
	"$(echo "100*$best_cat/$ms_s" | bc -l)" "$(echo "100*$alone/($(mbs "$best_cat"))" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "planted fragmented messages found whole by mailsalvage carve: $ms_f of $(awk '$2 == "fragmented"' "$img.truth" | wc -l)"
echo "floors (bench/carvefloor, pinned alike):"
echo "$floors" | sed 's/^/  /'

# RSS as the image grows: the whole command (the exporter keeps an index
# entry per message written) and the carver alone
bigimg=$(mk "$big")
read -r b_s b_kb b_cpu <<<"$(GOMAXPROCS=2 measure "$out/big" "${pin[@]}" "$dir/mailsalvage" carve "$bigimg" -o "$out/big" -q)"
b_n=$(find "$out/big/messages" -type f | wc -l)
rm -rf "$out/big"
read -r b_alone b_alone_kb b_alone_cpu <<<"$(alone_run "$bigimg")"
printf 'peak RSS of mailsalvage carve: %d MiB at %s (%s files), %d MiB at %s (%s files, %s s, %s CPU s)\n' $((ms_kb / 1024)) "$size" "$ms_n" $((b_kb / 1024)) "$big" "$b_n" "$b_s" "$b_cpu"
printf 'peak RSS of the carver alone: %d MiB at %s (%s MB/s, %s CPU s), %d MiB at %s (%s MB/s, %s CPU s)\n' $((alone_kb / 1024)) "$size" "$alone" "$alone_cpu" $((b_alone_kb / 1024)) "$big" "$b_alone" "$b_alone_cpu"

# the same image as an EWF file (ewfacquire, deflate fast, 32 KiB chunks),
# as forensic images usually come: every byte is inflated on the way
if command -v ewfacquire >/dev/null; then
	e01="${img%.dd}"
	[ -f "$e01.E01" ] || ewfacquire -u -q -t "$e01" -c deflate:fast -S 4GiB -b 64 "$img" >/dev/null
	read -r e_s e_kb e_cpu <<<"$(GOMAXPROCS=2 measure "$out/e01" "${pin[@]}" "$dir/mailsalvage" carve "$e01.E01" -o "$out/e01" -q)"
	e_x=$(exact "$out/e01/messages" "$img.truth")
	rm -rf "$out/e01"
	printf 'mailsalvage carve of the image as E01 (%d bytes): %s s, %.0f MB/s of media, %s CPU s, %d MiB, %s of %s contiguous exact\n' \
		"$(stat -c %s "$e01.E01")" "$e_s" "$(mbs "$e_s")" "$e_cpu" $((e_kb / 1024)) "$e_x" "$contig"
fi
