#!/bin/sh
# measure.sh [LABEL]: runs bounce's TestSisimaiHeldOut on every held-out
# folder; prints only the summary line of each (never TEST failures).
# With DETAIL=1 the per-file lines of *-tune folders are kept in
# /work/heldout/out/<set>.log for reading.
cd /work/main && go test -c -o /tmp/bounce.test ./bounce || exit 1
mkdir -p /work/heldout/out
for d in /work/heldout/bounces/*/ /work/heldout/full/*/; do
  n=$(basename $d)
  MAILSALVAGE_BOUNCES=$d /tmp/bounce.test -test.run 'HeldOut' -test.v > /tmp/ho.$n.log 2>&1
  case $n in *-test) ;; *) cp /tmp/ho.$n.log /work/heldout/out/$n.log;; esac
  line=$(grep -o 'held-out .*' /tmp/ho.$n.log | sed "s|$d||")
  fp=$(grep -c "we found a bounce" /tmp/ho.$n.log)
  echo "$n	$line; non-bounces with a bounce found: $fp"
  rm -f /tmp/ho.$n.log
done
