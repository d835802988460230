#!/usr/bin/env python3
"""Builds /work/heldout/fresh3/{bounces,not-bounces}/ (third fresh round) from git mirrors made by
the `fetch` tool (candidate lists in sources3.py). Same copy checks as build_fresh2.py: drops exact
copies (sha256 of bytes; sha256 after CRLF->LF and trailing blanks stripped) of anything under
/work/shared/corpus, /work/heldout/bounces/*/, /work/heldout/full/*/, /work/heldout/fresh/{bounces,not-bounces}/,
/work/heldout/fresh2/{bounces,not-bounces}/ and of each other; drops near copies (line-set Jaccard >= 0.9,
raw or after blanking addresses/digits/hex ids, or >= 0.8 of the blanked lines contained in one other
file) and notes 0.6-0.9 similarity in MANIFEST."""
import os, re, io, json, glob, subprocess, shutil, sys, tarfile
sys.path.insert(0, '/work/heldout/fresh')
from hashlib2 import raw, norm
F = '/work/heldout/fresh3'; M = '/work/.mirror'
sys.path.insert(0, F)
from sources3 import MIR, SKIP, KEEP_CONTAINED
def gd(r):
    g = f'{M}/{r}/repo'
    return g + '/.git' if os.path.isdir(g + '/.git') else g
def head(r): return subprocess.run(['git', '--git-dir=' + gd(r), 'rev-parse', 'HEAD'], capture_output=True, check=True).stdout.decode().strip()
def show(r, p): return subprocess.run(['git', '--git-dir=' + gd(r), 'show', 'HEAD:' + p], capture_output=True, check=True).stdout

def k9_snapshot(src, fn):
    """first k9::snapshot!(&report_eml, r#"..."#) inside `fn fn()`: literal \\r at line ends -> CRLF, \\t -> tab"""
    s = src.decode()
    i = s.index('fn ' + fn + '(')
    j = s.index('k9::snapshot!(', i); j = s.index('&report_eml', j); j = s.index('r#"', j) + 3
    k = s.index('"#', j)
    body = s[j:k]
    assert body.startswith('\n')
    body = body[1:]
    out = []
    for line in body.split('\n'):
        if line.endswith('\\r'): out.append(line[:-2].replace('\\t', '\t') + '\r\n')
        elif line == '': continue          # k9 adds a blank line before the closing "#
        else: raise SystemExit('unexpected snapshot line in %s: %r' % (fn, line))
    return ''.join(out).encode()

def fetch_item(r, p):
    if '#' in p:
        p0, member = p.split('#', 1)
        b = show(r, p0)
        if p0.endswith('.tar.gz'):
            with tarfile.open(fileobj=io.BytesIO(b)) as t: return t.extractfile(member).read()
        if p0.endswith('.rs'): return k9_snapshot(b, member)
        raise SystemExit('bad path ' + p)
    return show(r, p)

seen = json.load(open('/work/heldout/fresh/.seen.json'))
def lines(b):
    b = b.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    return set(l.strip() for l in b.split(b'\n') if l.strip())
def blank(s):
    out = set()
    for l in s:
        l = re.sub(rb'[\w.+-]+@[\w.-]+', b'@', l)
        l = re.sub(rb'[0-9A-Fa-f]{6,}', b'#', l)
        l = re.sub(rb'\d+', b'0', l)
        out.add(l)
    return out
near = []
def addnear(name, b):
    s = lines(b)
    if len(s) >= 5: near.append((name, s, blank(s)))
roots = [('/work/shared/corpus', 'corpus:', '/work/shared/corpus')] + \
        [(d, 'heldout:', '/work/heldout') for d in glob.glob('/work/heldout/bounces/*/') + glob.glob('/work/heldout/full/*/')] + \
        [(f'/work/heldout/fresh/{d}', 'fresh:', '/work/heldout/fresh') for d in ('bounces', 'not-bounces')] + \
        [(f'/work/heldout/fresh2/{d}', 'fresh2:', '/work/heldout/fresh2') for d in ('bounces', 'not-bounces')]
for root, tag, base in roots:
    for dp, dn, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp, f)
            if os.path.getsize(p) > 3_000_000 or f.endswith('.tsv'): continue
            b = open(p, 'rb').read(200000)
            if b.count(b'\0') > 10: continue
            if tag in ('fresh:', 'fresh2:'):
                bb = open(p, 'rb').read(); nm = tag + os.path.relpath(p, base)
                seen.setdefault('r' + raw(bb), nm); seen.setdefault('n' + norm(bb), nm)
            addnear(tag + os.path.relpath(p, base), b)

cands = []
for short, repo, lic, items in MIR:
    r = repo.replace('/', '+'); c = head(r)
    for p, nb, note, name in items:
        cands.append((short, repo, c, lic, fetch_item(r, p), p, nb, note, name))

for d in ('bounces', 'not-bounces'):
    shutil.rmtree(f'{F}/{d}', ignore_errors=True); os.makedirs(f'{F}/{d}')
rows, dropped = [], []
for short, repo, c, lic, b, p, nb, note, name in cands:
    if not name:
        name = f'{short}__' + os.path.basename(p)
        name = re.sub(r'\.(txt|eml|msg|box|mail)$', '', name) + '.eml'
    hit = seen.get('r' + raw(b)) or seen.get('n' + norm(b))
    if hit:
        dropped.append((short, repo, p, 'exact copy', hit)); continue
    s = lines(b); bs = blank(s); best, bj, bestb, bjb = '', 0.0, '', 0.0
    for nm, t, tb in near:
        j = len(s & t) / len(s | t) if s else 0
        if j > bj: best, bj = nm, j
        j = len(bs & tb) / len(bs | tb) if bs else 0
        if j > bjb: bestb, bjb = nm, j
    if bj >= 0.9:
        dropped.append((short, repo, p, f'near copy (line-set Jaccard {bj:.2f})', best)); continue
    if bjb >= 0.9:
        dropped.append((short, repo, p, f'near copy: same text with addresses/numbers changed (blanked line-set Jaccard {bjb:.2f})', bestb)); continue
    bc, bestc = 0.0, ''
    for nm, t, tb in near:
        j = len(bs & tb) / len(bs) if bs else 0
        if j > bc: bestc, bc = nm, j
    if bc >= 0.8 and not (p in KEEP_CONTAINED and nb and '/not-bounces/' not in bestc and 'bounces/' in bestc):
        dropped.append((short, repo, p, f'near copy: same notice trimmed and/or addresses changed ({bc:.2f} of its blanked lines are in the other file)', bestc)); continue
    if bj >= 0.6 or bjb >= 0.6:
        if bj >= bjb: note = (note + '; ' if note else '') + f'similar to {best} (line-set Jaccard {bj:.2f})'
        else: note = (note + '; ' if note else '') + f'similar to {bestb} (blanked line-set Jaccard {bjb:.2f})'
    sub = 'not-bounces' if nb else 'bounces'
    if os.path.exists(f'{F}/{sub}/{name}'): raise SystemExit('name clash ' + name)
    open(f'{F}/{sub}/{name}', 'wb').write(b)
    seen['r' + raw(b)] = f'fresh3:{sub}/{name}'; seen['n' + norm(b)] = f'fresh3:{sub}/{name}'
    addnear(f'fresh3:{sub}/{name}', b)
    rows.append((f'{sub}/{name}', f'https://github.com/{repo}', c, p, lic, len(b), raw(b), note))
dropped += SKIP
with open(f'{F}/MANIFEST.tsv', 'w') as m:
    m.write('file\trepo\tcommit\tpath in repo\tlicence\tsize\tsha256\tnotes\n')
    for r in rows: m.write('\t'.join(map(str, r)) + '\n')
with open(f'{F}/DROPPED.tsv', 'w') as m:
    m.write('source\trepo\tpath in repo\twhy\tsame as\n')
    for r in dropped: m.write('\t'.join(r) + '\n')
from collections import Counter
print('kept', sorted(Counter(r[0].split('/')[0] + ':' + r[0].split('/')[1].split('__')[0] for r in rows).items()))
print('dropped', [d[:4] for d in dropped if d not in SKIP])
