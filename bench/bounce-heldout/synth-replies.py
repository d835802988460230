#!/usr/bin/env python3
"""synth-replies.py: writes $HELDOUT/synth/replies.txt, the remote servers'
replies quoted in sisimai's verdicts on the TUNE halves and on the corpus's
bounces (never the TEST halves), stripped of the notices' framing ("host X
said:", "(in reply to ... command)", qmail's "Giving up on ..."), one per
line, 8 to 300 characters, each once."""
import glob, os, re
HELDOUT = os.environ.get('HELDOUT', '/work/heldout')
files = sorted(glob.glob(HELDOUT + '/bounces/*-tune/SISIMAI.tsv')) + ['/work/shared/corpus/bounces/SISIMAI.tsv']
out = set()
for path in files:
    for line in open(path, encoding='utf-8', errors='replace'):
        f = line.rstrip('\n').split('\t')
        if f[0] == 'file' or len(f) < 7 or not f[6]:
            continue
        d = re.sub(r'\s*\(in reply to [^)]*\)\s*$', '', f[6].strip())
        d = re.sub(r'\s*Giving up on \S+\s*$', '', d)
        m = re.search(r'(?:^|said: |Remote host said: |\]: |: )([45]\d\d[ -].*)$', d)
        if not m:
            continue
        r = m.group(1)
        if 8 <= len(r) <= 300 and 'said:' not in r:
            out.add(r)
os.makedirs(HELDOUT + '/synth', exist_ok=True)
open(HELDOUT + '/synth/replies.txt', 'w').write('\n'.join(sorted(out)) + '\n')
print(len(out), 'replies')
