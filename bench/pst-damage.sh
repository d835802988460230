#!/usr/bin/env bash
# Prints the recall table of mailsalvage, readpst (Debian pst-utils) and
# pffexport (Debian pff-tools) on damaged copies of real corpus PST/OST
# files: TestPSTDamage (cmd/mailsalvage/pst_damage_test.go) damages each
# file the ways users meet (internal/damage: zeroed sectors, flipped bits,
# destroyed B-tree roots, truncation, an overwritten B-tree page, a zeroed
# block, a looping data tree), recovers every copy with the three tools
# and matches what each got back with the items of the intact file
# (Message-ID, else node id and subject, else subject).
#
#   bench/pst-damage.sh            # the default files and the 16 MiB OST 2013, one seed
#   bench/pst-damage.sh -long      # every corpus PST/OST with 5 items or more, three seeds
#   bench/pst-damage.sh FILE...    # these corpus-relative files (pst/x.pst, ost/y.ost)
#
# A cell reads "Message-ID recall (Message-IDs recovered) · recall of all
# items"; "untouched / reachable" counts the items none of whose blocks
# the damage hit, and those still reachable from the header's roots
# through undamaged pages. The test fails (and the script says so) when a
# threshold of issue 4 is missed or a peer recovers more than we do. The
# table is also written to ${DAMAGE_TABLE:-/tmp/mailsalvage-pst-damage.md};
# the full log to ${DAMAGE_LOG:-/tmp/mailsalvage-pst-damage.log}.
#
# Needs: go, readpst, pffexport, the corpus (../shared/corpus or
# $MAILSALVAGE_CORPUS).
set -uo pipefail
cd "$(dirname "$0")/.."
table=${DAMAGE_TABLE:-/tmp/mailsalvage-pst-damage.md}
log=${DAMAGE_LOG:-/tmp/mailsalvage-pst-damage.log}
for tool in readpst pffexport; do
	command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install pst-utils pff-tools" >&2; exit 1; }
done
args=(-damage-table="$table")
if [ "${1:-}" = "-long" ]; then
	args+=(-damage-long)
	shift
elif [ $# -gt 0 ]; then
	args+=(-damage-files="$(IFS=,; echo "$*")")
else
	args+=(-damage-files="ost/Aspose__SampleOstFile.ost,pst/Aspose__Outlook_1.pst,pst/hughbe-PstReader__simiden__pst2john__2k_outlook_qwerty1234.pst,ost/pst-extractor-npm__mtnman1965@outlook.com.ost")
fi
rm -f "$table"
start=$(date +%s)
go test ./cmd/mailsalvage -run 'TestPSTDamage$' -count=1 -timeout 2h -v -args "${args[@]}" >"$log" 2>&1
rc=$?
echo "# PST damage recall, $(date -u +%Y-%m-%d), $(( $(date +%s) - start )) s"
echo
echo "readpst: $(readpst -V 2>&1 | head -1 | tr -d '\r'); pffexport: $(pffexport -V 2>&1 | head -1 | tr -d '\r')"
echo
if [ -s "$table" ]; then
	cat "$table"
else
	echo "(no table written; see $log)"
fi
echo
grep -o 'peak RSS of one .*' "$log" || true
if [ $rc -ne 0 ]; then
	echo
	echo "TestPSTDamage FAILED (exit $rc): see $log"
	grep -E '^\s+--- FAIL|pst_damage_test.go:[0-9]+: .*(, want [0-9]|recovers [0-9]+ items|not recovered:|mailsalvage: (hang|panic|data race|exit|peak))' "$log" | head -20
fi
exit $rc
