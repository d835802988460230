#!/usr/bin/env bash
# Times `mailsalvage recover X.pst` beside readpst (Debian pst-utils) and
# pffexport (Debian pff-tools) on the same PST/OST files, in one run: each
# tool once per file, output on the same disk ($BENCH_DIR, default
# /tmp/mailsalvage-bench), the file read into the page cache first.
#
#   bench/pst.sh              # the 3 largest PST/OST files of the corpus
#   bench/pst.sh FILE...      # these files
#
# The tools run as a user would run them to get every item out:
#   mailsalvage recover FILE -o OUT --quiet
#   readpst -e -D -o OUT FILE      (-D: also the "Deleted Items" folder,
#                                   which mailsalvage writes too; readpst
#                                   forks one process per folder and message)
#   pffexport -m all -q -t OUT FILE (allocated items, orphans and recovered)
# Seconds are wall-clock, the median of $BENCH_REPEAT rounds (default 5
# for files under 64 MB, else 1); peak RSS is GNU time's (for readpst, its largest
# process). "written" counts what each wrote: mailsalvage's provenance
# lines (one per item; distinct .eml files in brackets), readpst's files
# (.eml, .ics, .vcf), pffexport's item directories (orphans and recovered
# items in brackets). A tool that fails is reported, not fatal. CPU
# seconds are user + system (readpst's forked children count).
#
# The "floor" row is bench/pstfloor run on the file and on mailsalvage's
# output of it: the evidence's SHA-256, every block read and decoded once,
# the same number of files of the same sizes written; no parsing, no MIME,
# no search for deleted items. A tool that hashes its evidence as our
# provenance requires cannot take less CPU than that; on 2 cores, not
# less wall time than half of it plus start-up.
#
# Needs: go, readpst, pffexport, GNU time (/usr/bin/time), bash 5, awk.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/mailsalvage-bench}
corpus=${MAILSALVAGE_CORPUS:-../shared/corpus}
mkdir -p "$dir"
for tool in readpst pffexport; do
	command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install pst-utils pff-tools" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "GNU time not found: apt-get install time" >&2; exit 1; }
go build -o "$dir/mailsalvage" ./cmd/mailsalvage
go build -o "$dir/pstfloor" ./bench/pstfloor

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(find "$corpus/pst" "$corpus/ost" -type f \( -iname '*.pst' -o -iname '*.ost' \) -printf '%s\t%p\n' 2>/dev/null |
		sort -rn | head -3 | cut -f2-)
fi
[ ${#files[@]} -gt 0 ] || { echo "no PST/OST files (corpus: $corpus)" >&2; exit 1; }

# measure OUT-DIR CMD...: runs CMD once; sets secs, kib, cpu (user+system
# seconds, children included), status
measure() {
	local out=$1; shift
	rm -rf "$out"
	mkdir -p "$out"
	sync
	times >"$dir/cpu-before.txt" # a builtin: no child of its own
	local start=$EPOCHREALTIME
	status=0
	/usr/bin/time -f "%M" -o "$dir/time.txt" "$@" >"$dir/stdout.txt" 2>"$dir/stderr.txt" || status=$?
	local end=$EPOCHREALTIME
	times >"$dir/cpu-after.txt"
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	kib=$(tail -1 "$dir/time.txt" | awk '{ print $NF + 0 }')
	cpu=$(awk -v a="$(childcpu "$dir/cpu-before.txt")" -v b="$(childcpu "$dir/cpu-after.txt")" 'BEGIN { printf "%.3f", b - a }')
}

# childcpu FILE: user + system seconds of the shell's finished children in
# the output of bash's times (to the millisecond; GNU time's %U and %S
# round to 10 ms)
childcpu() {
	awk 'NR == 2 {
		n = split($0, t, " ")
		for (i = 1; i <= n; i++) { split(t[i], p, "m"); sub("s", "", p[2]); s += p[1] * 60 + p[2] }
		printf "%.3f", s
	}' "$1"
}

# pffexport's item directories (not those of embedded items)
pffitems() {
	[ -d "$1" ] || { echo 0; return; }
	find "$1" -type d -regextype posix-extended \
		-regex '.*/(Activity|Appointment|Contact|DistributionList|Document|Feed|Meeting|Message|Note|Task)[0-9]{5}' \
		-not -path '*/Attachments/*' | wc -l
}

median() { # numbers... -> their median
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { # slower faster -> "N.Nx", or n/a
	awk -v s="$1" -v f="$2" 'BEGIN { if (f > 0) printf "%.1fx", s / f; else print "n/a" }'
}

failed() { # status -> " (exit N: last error line)" or ""
	[ "$1" -eq 0 ] && return
	local msg
	msg=$({ grep -v '^[[:space:]]*$' "$dir/stderr.txt" || true; } | tail -1)
	[ -n "$msg" ] || msg=$({ grep -v '^[[:space:]]*$' "$dir/stdout.txt" || true; } | tail -1)
	printf ' (exit %d: %s)' "$1" "$(printf '%s' "$msg" | cut -c1-80)"
}

echo "files: ${files[*]} ($(date -u +%F))"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(go version | awk '{print $3}'), $(readpst -V 2>&1 | head -1), $(pffexport -V 2>&1 | head -1)"
echo "output on: $(df --output=fstype "$dir" | tail -1) ($dir)"
echo
printf '| file | tool | seconds (median) | CPU seconds (median) | peak RSS MiB | written | mailsalvage speed-up |\n|---|---|---|---|---|---|---|\n'
for f in "${files[@]}"; do
	name=$(basename "$f")
	mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
	cat "$f" >/dev/null # into the page cache, for every tool alike
	# small files finish in tens of milliseconds, where one run says more
	# about the machine's load than about the tool: the three tools take
	# turns, $BENCH_REPEAT rounds (default 5 below 64 MB, else 1), and
	# each tool's median time and largest RSS are kept
	rounds=${BENCH_REPEAT:-$([ "$(stat -c %s "$f")" -lt 64000000 ] && echo 5 || echo 1)}
	ms_all=() rp_all=() pf_all=() fl_all=() ms_cpu=() rp_cpu=() pf_cpu=() fl_cpu=() ms_kb=0 rp_kb=0 pf_kb=0
	for ((round = 0; round < rounds; round++)); do
		measure "$dir/pst-ms" "$dir/mailsalvage" recover "$f" -o "$dir/pst-ms/out" --quiet
		ms_all+=("$secs") ms_kb=$((kib > ms_kb ? kib : ms_kb)) ms_st=$status
		ms_n=0 ms_files=0
		[ -f "$dir/pst-ms/out/provenance.jsonl" ] && ms_n=$(wc -l <"$dir/pst-ms/out/provenance.jsonl")
		[ -d "$dir/pst-ms/out/messages" ] && ms_files=$(find "$dir/pst-ms/out/messages" -name '*.eml' | wc -l)
		ms_fail=$(failed "$ms_st")
		ms_cpu+=("$cpu")
		if [ -d "$dir/pst-ms/out/messages" ]; then
			measure "$dir/pst-fl" "$dir/pstfloor" "$f" "$dir/pst-ms/out/messages" "$dir/pst-fl/x"
			fl_all+=("$secs") fl_cpu+=("$cpu")
			rm -rf "$dir/pst-fl"
		fi
		rm -rf "$dir/pst-ms"

		measure "$dir/pst-rp" readpst -q -e -D -o "$dir/pst-rp" "$f"
		rp_all+=("$secs") rp_cpu+=("$cpu") rp_kb=$((kib > rp_kb ? kib : rp_kb)) rp_fail=$(failed "$status")
		rp_n=$(find "$dir/pst-rp" -type f | wc -l)
		rm -rf "$dir/pst-rp"

		measure "$dir/pst-pf" pffexport -q -m all -t "$dir/pst-pf/x" "$f"
		pf_all+=("$secs") pf_cpu+=("$cpu") pf_kb=$((kib > pf_kb ? kib : pf_kb)) pf_fail=$(failed "$status")
		pf_n=$(pffitems "$dir/pst-pf/x.export")
		pf_extra=$(( $(pffitems "$dir/pst-pf/x.orphans") + $(pffitems "$dir/pst-pf/x.recovered") ))
		rm -rf "$dir/pst-pf"
	done
	ms_s=$(median "${ms_all[@]}") rp_s=$(median "${rp_all[@]}") pf_s=$(median "${pf_all[@]}")
	ms_c=$(median "${ms_cpu[@]}") rp_c=$(median "${rp_cpu[@]}") pf_c=$(median "${pf_cpu[@]}")

	if [ "$ms_n" -gt 0 ]; then
		rp_x="**$(ratio "$rp_s" "$ms_s")** (target 2x)"
		pf_x="**$(ratio "$pf_s" "$ms_s")** (target 5x)"
	else
		rp_x="n/a: mailsalvage wrote nothing"
		pf_x=$rp_x
	fi
	printf '| %s (%s MB) | mailsalvage recover | %s | %s | %d | %d (%d .eml)%s | |\n' "$name" "$mb" "$ms_s" "$ms_c" $((ms_kb / 1024)) "$ms_n" "$ms_files" "$ms_fail"
	printf '| | readpst -e -D | %s | %s | %d | %d%s | %s |\n' "$rp_s" "$rp_c" $((rp_kb / 1024)) "$rp_n" "$rp_fail" "$rp_x"
	printf '| | pffexport -m all | %s | %s | %d | %d (+%d orphans/recovered)%s | %s |\n' "$pf_s" "$pf_c" $((pf_kb / 1024)) "$pf_n" "$pf_extra" "$pf_fail" "$pf_x"
	if [ ${#fl_all[@]} -gt 0 ]; then
		printf '| | floor (bench/pstfloor) | %s | %s | | %d files | a floor, not a tool: 2x readpst would be %s s |\n' \
			"$(median "${fl_all[@]}")" "$(median "${fl_cpu[@]}")" "$ms_files" "$(awk -v r="$rp_s" 'BEGIN { printf "%.3f", r / 2 }')"
	fi
done
