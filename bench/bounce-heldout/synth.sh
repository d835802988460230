#!/bin/sh
# synth.sh: synthetic notices compared with sisimai, a proxy for held-out
# bounces that costs no TEST file: the TUNE halves' and the corpus's server
# replies (synth-replies.py) in the notice forms of Postfix, qmail, Exim and
# Sendmail at RCPT TO and after DATA (synth-forms.py), and swapped into the
# TUNE and corpus notices themselves (synth-mutate.py). Prints one summary
# line per folder; the logs, with every disagreement, are in
# $HELDOUT/synth/<folder>.log (they may be read: nothing in them is TEST).
set -e
H=${HELDOUT:-/work/heldout}
B=$(cd "$(dirname "$0")" && pwd)
rm -rf "$H/synth"
python3 "$B/synth-replies.py"
python3 "$B/synth-forms.py"
python3 "$B/synth-mutate.py"
for d in "$H"/synth/*/; do perl "$B/sisimai-tsv.pl" "$d" >/dev/null 2>&1; done
cd "$B/../.." && go test -c -o /tmp/bounce-synth.test ./bounce
for d in "$H"/synth/*/; do
  n=$(basename "$d")
  MAILSALVAGE_BOUNCES=$d /tmp/bounce-synth.test -test.run HeldOut -test.v > "$H/synth/$n.log" 2>&1 || true
  echo "$n	$(grep -a -o 'files: recipient+status.*bounce found in [0-9]* ([0-9.]*%)' "$H/synth/$n.log")"
done
