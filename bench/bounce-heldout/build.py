#!/usr/bin/env python3
"""Builds /work/heldout/bounces/<set>/ from bare git mirrors fetched with the
`fetch` tool: extracts each set's files, drops those whose text (line ends
normalised, trailing blanks stripped) equals a file of the project corpus
(/work/shared/corpus/bounces) or a file already taken, splits the rest into
TUNE and TEST by a hash of the set and file name (maildir/bsd: all TUNE),
and writes MANIFEST.tsv. SISIMAI.tsv is then made by sisimai-tsv.pl."""
import re, hashlib, os, subprocess, shutil, glob

M = '/work/.mirror'
OUT = os.environ.get('HELDOUT', '/work/heldout') + '/bounces'
SETS = [
    # name, git dir, url, licence, [(path prefix, not-bounce?)], split
    ('sisimai-bsd', M+'/sisimai+set-of-emails/repo', 'https://github.com/sisimai/set-of-emails',
     'BSD-2-Clause (set-of-emails LICENSE)', [('maildir/bsd/', False)], 'tune'),
    ('sisimai-other', M+'/sisimai+set-of-emails/repo', 'https://github.com/sisimai/set-of-emails',
     'BSD-2-Clause (set-of-emails LICENSE)',
     [('maildir/mac/', False), ('maildir/dos/', False), ('maildir/err/', False), ('maildir/tmp/', False),
      ('to-be-debugged-because/', False), ('maildir/not/', True)], 'hash'),
    ('flufl', M+'/wRAR+flufl.bounce/repo/.git', 'https://github.com/wRAR/flufl.bounce (mirror of GNU Mailman flufl.bounce)',
     'LGPL-3.0 (COPYING.LESSER)', [('flufl/bounce/tests/data/', False)], 'hash'),
    ('bounceparser', M+'/rjbs+Mail-DeliveryStatus-BounceParser/repo', 'https://github.com/rjbs/Mail-DeliveryStatus-BounceParser',
     'Artistic-1.0 OR GPL-1.0+ (same terms as Perl; LICENSE)', [('t/corpus/', False), ('xt/corpus/', False)], 'hash'),
    ('phpbounce', M+'/cfortune+PHP-Bounce-Handler/repo', 'https://github.com/cfortune/PHP-Bounce-Handler',
     'BSD-3-Clause (header of bounce_driver.class.php)', [('eml/', False)], 'hash'),
    ('phpbounce-zoon', M+'/zoonru+PHP-Bounce-Handler/repo', 'https://github.com/zoonru/PHP-Bounce-Handler',
     'MIT (LICENSE)', [('eml/', False)], 'hash'),
    ('cws', M+'/crazy-max+CwsMailBounceHandler/repo', 'https://github.com/crazy-max/CwsMailBounceHandler',
     'MIT (LICENSE)', [('tests/emls/', False)], 'hash'),
    ('rubybounce', M+'/mitio+bounce_email/repo', 'https://github.com/mitio/bounce_email',
     'MIT (README.md)', [('test/bounces/', False), ('test/non_bounces/', True)], 'hash'),
    # added 2026-11-27 (after the sets above were measured; their files
    # count as seen, so the sets above come out as before)
    ('mbd', M+'/rgl+MailBounceDetector/repo', 'https://github.com/rgl/MailBounceDetector',
     'MIT (LICENSE.md)', [('MailBounceDetector.Tests/Fixtures/bounce_', False), ('MailBounceDetector.Tests/Fixtures/non_bounce_', True)], 'hash'),
    ('flanker', M+'/mailgun+flanker/repo', 'https://github.com/mailgun/flanker',
     'Apache-2.0 (LICENSE)', [('tests/fixtures/messages/bounce/', False)], 'hash'),
    # mbox files: each message is a file of its own (NAME-01.eml, ...)
    ('bouncehammer', M+'/yaslama+bouncehammer/repo', 'https://github.com/yaslama/bouncehammer (bounceHammer, sisimai\'s predecessor)',
     'Artistic-1.0 OR GPL-1.0+ (same terms as Perl; LICENSE)',
     [('examples/17-messages.eml', False), ('examples/double-messages.eml', False), ('examples/single-message.eml', False)], 'mbox'),
]

def norm(b):
    b = b.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    return hashlib.sha256(b'\n'.join(l.rstrip() for l in b.split(b'\n')).strip()).hexdigest()

def git(gd, *a):
    return subprocess.run(['git', '--git-dir='+gd] + list(a), check=True, capture_output=True).stdout

seen = {}
for f in glob.glob('/work/shared/corpus/bounces/**/*.eml', recursive=True):
    seen[norm(open(f, 'rb').read())] = 'corpus:' + os.path.relpath(f, '/work/shared/corpus/bounces')
if os.path.isdir(OUT):
    shutil.rmtree(OUT)
for name, gd, url, lic, prefixes, split in SETS:
    commit = git(gd, 'rev-parse', 'HEAD').decode().strip()
    paths = git(gd, 'ls-tree', '-r', '--name-only', 'HEAD').decode().split('\n')
    rows, dropped = [], []
    for prefix, notb in prefixes:
        for p in sorted(x for x in paths if x.startswith(prefix) and not x.endswith('/') and not os.path.basename(x).startswith('.')):
            if os.path.basename(p).lower() in ('readme', 'readme.md', 'makefile'):
                continue
            whole = git(gd, 'show', 'HEAD:' + p)
            parts = [whole]
            if split == 'mbox':
                # a message starts at a From_ line (at the start or after
                # an empty line) that carries an asctime date
                parts = [x.split(b'\n', 1)[1] for x in re.split(rb'(?:^|\n\n)(?=From \S+ +\w{3} \w{3} )', whole) if x.strip()]
            for k, data in enumerate(parts):
                h = norm(data)
                if h in seen:
                    dropped.append((p, seen[h]))
                    continue
                base = prefix.strip('/').replace('/', '-') + '-' + os.path.basename(p) if name == 'sisimai-other' else os.path.basename(p)
                if split == 'mbox':
                    base = base.rsplit('.', 1)[0] + '-%02d' % (k + 1)
                if not base.endswith('.eml'):
                    base += '.eml'
                seen[h] = name + '/' + base
                part = 'tune' if split == 'tune' else ('tune' if int(hashlib.sha256((name + '/' + base).encode()).hexdigest(), 16) % 2 == 0 else 'test')
                rel = ('not-bounces/' if notb else '') + base
                d = os.path.join(OUT, name + '-' + part)
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                open(os.path.join(d, rel), 'wb').write(data)
                rows.append((part, rel, p, hashlib.sha256(data).hexdigest(), len(data)))
    for part in ('tune', 'test'):
        d = os.path.join(OUT, name + '-' + part)
        mine = [r for r in rows if r[0] == part]
        if not mine:
            continue
        with open(os.path.join(d, 'MANIFEST.tsv'), 'w') as m:
            m.write('path\torigin\tcommit\tlicense\tsize\tsha256\n')
            for _, rel, p, sha, size in mine:
                m.write(f'{rel}\t{url} {p}\t{commit}\t{lic}\t{size}\t{sha}\n')
    with open(os.path.join(OUT, 'DROPPED-' + name + '.tsv'), 'w') as m:
        m.write('origin path\tsame text as\n')
        for p, s in dropped:
            m.write(f'{p}\t{s}\n')
    print(name, commit[:10], 'kept', len(rows), 'dropped', len(dropped))
