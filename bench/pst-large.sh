#!/usr/bin/env bash
# bench/pst.sh on generated PSTs larger than any in the corpus (its
# largest is 16.8 MB): speed beside readpst and pffexport, and peak RSS
# as the file grows.
#
#   bench/pst-large.sh                   # 64 MiB, 256 MiB and 1 GiB
#   bench/pst-large.sh 128MiB 2GiB       # any sizes
#
# Files come from internal/synth/mkpst (notes, every tenth with a 20 KiB
# attachment; about 12 KB an item), made once in $BENCH_DIR (default
# /tmp/mailsalvage-bench). mkpst builds a file in memory: about 6 GiB of
# RAM for 1 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailsalvage-bench}
mkdir -p "$dir"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64MiB 256MiB 1GiB)
files=()
for s in "${sizes[@]}"; do
	f="$dir/synth-$s.pst"
	[ -f "$f" ] || go run ./internal/synth/mkpst -size "$s" -o "$f"
	files+=("$f")
done
exec bench/pst.sh "${files[@]}"
