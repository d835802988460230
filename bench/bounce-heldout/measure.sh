#!/bin/sh
# measure.sh: runs bounce's TestSisimaiHeldOut on every held-out folder;
# prints only the summary line of each (never TEST failures), then the
# TEST halves together: those of the first sets (bounces/) and those of
# the fresh sets gathered later (fresh*/), apart. The per-file lines of
# the folders that are not TEST halves are kept in $H/out/<set>.log for
# reading.
H=${HELDOUT:-/work/heldout}
cd "$(dirname "$0")/../.." && go test -c -o /tmp/bounce.test ./bounce || exit 1
mkdir -p $H/out
for d in $H/bounces/*/ $H/full/*/ $H/fresh*/fresh*-tune/ $H/fresh*/fresh*-test/ $H/fresh*/not-bounces/; do
  [ -f $d/SISIMAI.tsv ] || continue
  n=$(basename $d)
  case $d in $H/fresh*/not-bounces/) n=$(basename $(dirname $d))-not-bounces;; esac
  MAILSALVAGE_BOUNCES=$d /tmp/bounce.test -test.run 'HeldOut' -test.v > /tmp/ho.$n.log 2>&1
  case $n in *-test) ;; *) cp /tmp/ho.$n.log $H/out/$n.log;; esac
  line=$(grep -o 'held-out .*' /tmp/ho.$n.log | sed "s|$d||")
  fp=$(grep -c "we found a bounce" /tmp/ho.$n.log)
  echo "$n	$line; non-bounces with a bounce found: $fp"
  rm -f /tmp/ho.$n.log
done | tee /tmp/ho.summary
total() {
  sed 's/([^)]*)//g' | awk -v label="$1" '
  { for (i = 1; i <= NF; i++) {
      if ($i == "files:") f += $(i-1)
      if ($i == "recipient+status") r += $(i+1)
      if ($i == "reason" && $(i+1) ~ /^[0-9]+$/) s += $(i+1)
      if ($i == "in" && $(i-1) == "found") b += $(i+1)
      if ($i == "one" && $(i+1) == ":") { v += $(i+2); vn += $(i+4) }
  } }
  END { if (f) printf "%s: %d files: recipient+status %d (%.1f%%), reason %d (%.1f%%), bounce found in %d (%.1f%%); reason where sisimai has one: %d of %d (%.1f%%)\n", label, f, r, 100*r/f, s, 100*s/f, b, 100*b/f, v, vn, 100*v/vn }'
}
grep -- '-test' /tmp/ho.summary | grep -v '^fresh' | total "TEST halves"
grep -- '-test' /tmp/ho.summary | grep '^fresh' | total "fresh TEST halves"
grep -- '-tune' /tmp/ho.summary | grep '^fresh' | total "fresh TUNE halves"
