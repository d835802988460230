#!/bin/sh
# measure.sh [LABEL]: runs bounce's TestSisimaiHeldOut on every held-out
# folder; prints only the summary line of each (never TEST failures).
# With DETAIL=1 the per-file lines of *-tune folders are kept in
# /work/heldout/out/<set>.log for reading.
cd /work/main && go test -c -o /tmp/bounce.test ./bounce || exit 1
mkdir -p /work/heldout/out
for d in /work/heldout/bounces/*/ /work/heldout/full/*/; do
  [ -f $d/SISIMAI.tsv ] || continue
  n=$(basename $d)
  MAILSALVAGE_BOUNCES=$d /tmp/bounce.test -test.run 'HeldOut' -test.v > /tmp/ho.$n.log 2>&1
  case $n in *-test) ;; *) cp /tmp/ho.$n.log /work/heldout/out/$n.log;; esac
  line=$(grep -o 'held-out .*' /tmp/ho.$n.log | sed "s|$d||")
  fp=$(grep -c "we found a bounce" /tmp/ho.$n.log)
  echo "$n	$line; non-bounces with a bounce found: $fp"
  rm -f /tmp/ho.$n.log
done | tee /tmp/ho.summary
# the TEST halves together
grep -- '-test' /tmp/ho.summary | sed 's/([^)]*)//g' | awk '
  { for (i = 1; i <= NF; i++) {
      if ($i == "files:") f += $(i-1)
      if ($i == "recipient+status") r += $(i+1)
      if ($i == "reason" && $(i+1) ~ /^[0-9]+$/) s += $(i+1)
      if ($i == "in" && $(i-1) == "found") b += $(i+1)
      if ($i == "one" && $(i+1) == ":") { v += $(i+2); vn += $(i+4) }
  } }
  END { printf "TEST halves: %d files: recipient+status %d (%.1f%%), reason %d (%.1f%%), bounce found in %d (%.1f%%); reason where sisimai has one: %d of %d (%.1f%%)\n", f, r, 100*r/f, s, 100*s/f, b, 100*b/f, v, vn, 100*v/vn }'
