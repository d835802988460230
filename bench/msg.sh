#!/usr/bin/env bash
# Times `mailsalvage recover` over every .msg of ../shared/corpus/msg beside
# msgconvert (Debian libemail-outlook-message-perl) converting the same
# files one by one, in one run.
#
#   bench/msg.sh [folder-of-msg-files]
#
# Needs: go, msgconvert, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-../shared/corpus/msg}
dir=${BENCH_DIR:-/tmp/mailsalvage-bench}
mkdir -p "$dir"
command -v msgconvert >/dev/null || { echo "msgconvert not found: apt-get install libemail-outlook-message-perl" >&2; exit 1; }
go build -o "$dir/mailsalvage" ./cmd/mailsalvage
files=$(find "$src" -type f -name '*.msg' | wc -l)
bytes=$(find "$src" -type f -name '*.msg' -printf '%s\n' | awk '{s+=$1} END {print s}')
cat $(find "$src" -type f -name '*.msg') > /dev/null

rm -rf "$dir/msg-ms" "$dir/msg-mc" "$dir/msg-ms1"
/usr/bin/time -f "%e %M" -o "$dir/t-ms" "$dir/mailsalvage" recover "$src" -o "$dir/msg-ms" --quiet > /dev/null 2>&1 || true
ms_n=$(find "$dir/msg-ms/messages" -name '*.eml' | wc -l)
/usr/bin/time -f "%e %M" -o "$dir/t-ms1" bash -c '
	i=0
	for f in $(find "$1" -type f -name "*.msg"); do
		i=$((i+1))
		"$3" recover "$f" -o "$2/$i" --quiet >/dev/null 2>&1 || true
	done' _ "$src" "$dir/msg-ms1" "$dir/mailsalvage"
ms1_n=$(find "$dir/msg-ms1" -name '*.eml' | wc -l)
mkdir -p "$dir/msg-mc"
/usr/bin/time -f "%e %M" -o "$dir/t-mc" bash -c '
	i=0; ok=0
	for f in $(find "$1" -type f -name "*.msg"); do
		i=$((i+1))
		msgconvert --outfile "$2/$i.eml" "$f" >/dev/null 2>&1 && ok=$((ok+1))
	done
	echo $ok > "$2/ok"' _ "$src" "$dir/msg-mc"
mc_n=$(cat "$dir/msg-mc/ok")
read -r ms_s ms_kb < "$dir/t-ms"
read -r mc_s mc_kb < "$dir/t-mc"
read -r ms1_s ms1_kb < "$dir/t-ms1"
rm -rf "$dir/msg-ms" "$dir/msg-mc" "$dir/msg-ms1"

echo "files: $files .msg files in $src ($bytes bytes), $(date -u +%F)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | awk '{print $3}'), msgconvert $(dpkg-query -W -f '${Version}' libemail-outlook-message-perl 2>/dev/null)"
printf '| tool | seconds | peak RSS MiB | .eml written |\n|---|---|---|---|\n'
printf '| mailsalvage recover (one process, whole folder) | %s | %d | %s |\n' "$ms_s" $((ms_kb / 1024)) "$ms_n"
printf '| mailsalvage recover (one process per file) | %s | %d | %s |\n' "$ms1_s" $((ms1_kb / 1024)) "$ms1_n"
printf '| msgconvert (one process per file) | %s | %d | %s |\n' "$mc_s" $((mc_kb / 1024)) "$mc_n"
printf 'speed-up: %.1fx whole folder, %.1fx file by file\n' "$(echo "$mc_s/$ms_s" | bc -l)" "$(echo "$mc_s/$ms1_s" | bc -l)"
