#!/usr/bin/env python3
"""synth-mutate.py: realistic synthetic notices: in each TUNE-half bounce (and each
corpus bounce) with one recipient whose server reply sisimai quotes and which
appears as written in the file, the reply is swapped for K others from
replies.txt (the same K for every file, chosen by a fixed seed); the DSN's
Status field follows the new reply. Writes $HELDOUT/synth/mut/<set>-<file>-<k>.eml.
Noisy (71.7% agreement on 4,595 notices, 2026-11-27): a template whose reading
depends on its provider or product (sisimai's Rhost and Lhost tables) reads the
swapped-in replies its own way, and where the reply is also written folded or
encoded (a DSN's Diagnostic-Code) the old one stays there for sisimai to read."""
import os, re, glob, random, csv
H = os.environ.get('HELDOUT', '/work/heldout') + '/synth'
K = int(os.environ.get('K', '12'))
replies = [l.rstrip('\n') for l in open(os.path.join(H, 'replies.txt')) if l.strip()]
random.seed(7)
pick = random.sample(replies, K)
out = os.path.join(H, 'mut')
os.makedirs(out, exist_ok=True)
dirs = sorted(glob.glob(os.environ.get('HELDOUT', '/work/heldout') + '/bounces/*-tune')) + ['/work/shared/corpus/bounces']
n = 0
for d in dirs:
    rows = {}
    with open(os.path.join(d, 'SISIMAI.tsv')) as f:
        for r in csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE):
            if r[0] == 'file' or len(r) < 7: continue
            rows.setdefault(r[0], []).append(r)
    for name, rs in rows.items():
        if len(rs) != 1 or rs[0][2] in ('none', 'feedback', 'vacation', 'delivered', ''): continue
        diag = rs[0][6]
        m = re.search(r'\b([45]\d\d[ -]\S.{12,})', diag)
        if not m: continue
        key = m.group(1)[:20]
        try:
            raw = open(os.path.join(d, name), encoding='utf-8', errors='strict').read()
        except Exception:
            continue
        if key not in raw: continue
        rcpt = rs[0][1]
        base = os.path.basename(d).replace('-tune', '') + '-' + name.replace('/', '_')[:-4]
        for k, rep in enumerate(pick):
            rep2 = re.sub(r'[\w.+-]+@[\w-]+(?:\.[\w-]+)+', rcpt, rep)
            lines = raw.split('\n')
            for i, l in enumerate(lines):
                j = l.find(key)
                if j >= 0:
                    lines[i] = l[:j] + rep2
                    # the reply's continuation lines (indented) go
                    while i + 1 < len(lines) and lines[i+1].startswith((' ', '\t')) and lines[i+1].strip() and not re.match(r'\s*(?:host|SMTP error|Remote-MTA|Final|Action|Status)', lines[i+1]):
                        del lines[i+1]
            st = re.search(r'\b([245]\.\d{1,3}\.\d{1,3})\b', rep2)
            st = st.group(1) if st else rep2[0] + '.0.0'
            txt = '\n'.join(lines)
            txt = re.sub(r'(?mi)^(Status:[ \t]*)[245]\.\d{1,3}\.\d{1,3}', lambda mm: mm.group(1) + st, txt)
            open(os.path.join(out, '%s-%02d.eml' % (base, k)), 'w').write(txt)
            n += 1
print(n, 'files')
