#!/usr/bin/env python3
"""Builds /work/heldout/fresh/{bounces,not-bounces}/ from mirrors fetched with the
`fetch` tool (plus a few files transcribed from the search index's read_file and
the Debian package libpython3.11-testsuite). Drops exact copies (sha256 of bytes,
and sha256 after CRLF->LF + trailing blanks stripped) of anything under
/work/shared/corpus, /work/heldout/bounces/*/, /work/heldout/full/*/ and of each
other; also drops near copies (>=0.9 Jaccard of their sets of non-blank lines)
and flags 0.6-0.9 similarity in MANIFEST notes."""
import os, re, json, glob, hashlib, subprocess, shutil, sys
sys.path.insert(0, '/work/heldout/fresh')
from hashlib2 import raw, norm
F = '/work/heldout/fresh'; M = '/work/.mirror'
MIT = 'MIT'
def gd(r):
    g = f'{M}/{r}/repo'
    return g + '/.git' if os.path.isdir(g + '/.git') else g
def head(r): return subprocess.run(['git', '--git-dir=' + gd(r), 'rev-parse', 'HEAD'], capture_output=True, check=True).stdout.decode().strip()
def show(r, p): return subprocess.run(['git', '--git-dir=' + gd(r), 'show', 'HEAD:' + p], capture_output=True, check=True).stdout

# (short, repo, licence, [(path, not_bounce, note)])  -- from git mirrors
MIR = [
 ('rubymail', 'mikel/mail', 'MIT (MIT-LICENSE)', [
   ('spec/fixtures/emails/multipart_report_emails/multi_address_bounce1.eml', 0, ''),
   ('spec/fixtures/emails/multipart_report_emails/multi_address_bounce2.eml', 0, '')]),
 ('mailmgr', 'LoneStarInternet/mail_manager', 'MIT (LICENSE.txt, MIT-LICENSE)', [
   ('spec/test_app/spec/support/files/bounce-400.txt', 0, ''),
   ('spec/test_app/spec/support/files/bounce-500.txt', 0, ''),
   ('spec/test_app/spec/support/files/bounce-500-no-from-address.eml', 0, ''),
   ('spec/test_app/spec/support/files/bounce-invalid-address.txt', 0, ''),
   ('spec/test_app/spec/support/files/bounce-invalid.txt', 0, 'named "invalid" by the project (no parsable DSN) but it is a prose non-delivery notice from the recipient site'),
   ('spec/test_app/spec/support/files/bounce-mail-box-full.txt', 0, 'file is exactly 65535 bytes in the repo (truncated at source)'),
   ('spec/test_app/spec/support/files/bounce-over-quota.txt', 0, 'file is exactly 65535 bytes in the repo (truncated at source)'),
   ('spec/test_app/spec/support/files/bounce-smtp-timeout.txt', 0, ''),
   ('spec/test_app/spec/support/files/bounce-unknown_domain.txt', 0, ''),
   ('spec/test_app/spec/support/files/bounce-invalid2.txt', 1, 'vacation auto-reply, named bounce-invalid by the project'),
   ('spec/test_app/spec/support/files/bounce-invalid3.txt', 1, 'vacation auto-reply, named bounce-invalid by the project'),
   ('spec/test_app/spec/support/files/bad_utf8_chars.eml', 1, 'out-of-office auto response (project spec: not a bounce)'),
   ('spec/test_app/spec/support/files/unsubscribe.txt', 1, 'unsubscribe request (project spec: status unsubscribed)')]),
 ('nodebounce', 'prasad83/node-bounce-handler', 'MIT (LICENSE)', [('eml/999.eml', 0, 'the only file of eml/ not already held (rest are PHP-Bounce-Handler copies)')]),
 ('emailengine', 'postalsys/emailengine', 'EmailEngine License Agreement v2.1 (LICENSE_EMAILENGINE.txt; source-available, not OSI)',
   [(f'test/fixtures/bounces/{n}.eml', 0, '') for n in ['163','fastmail','gmail','hotmail','mailru','outlook','postfix','rambler','workmail','yahoo','zoho','zonemta']]),
 ('froide', 'okfde/froide', 'MIT (LICENSE.txt)', [
   ('froide/bounce/testdata/bounce_001.txt', 0, ''), ('froide/bounce/testdata/bounce_002.txt', 0, ''),
   ('froide/bounce/testdata/bounce_003.txt', 0, ''), ('froide/foirequest/tests/testdata/test_mail_12.txt', 0, 'used by foirequest test as a bounce')]),
 ('phpimap', 'Webklex/php-imap', 'MIT (LICENSE, LICENSE.md)', [('tests/messages/example_bounce.eml', 0, '')]),
 ('javabounce', 'osandum/bounce-parser', 'none found', [(f'src/test/resources/{n}', 0, '') for n in [
   'bad-address-sample.eml','dovecot-mdn-sample.eml','exim-failure-sample.eml','forwarded-policy-failure-sample.eml',
   'gmail-delayed-sample.eml','kundenserver_de.eml','lmtp-sample.eml','qmail-failure-sample.eml','quota-exceeded-sample.eml',
   'sample-dsn.eml','skylinemail_dk.eml','surftown-failure-sample.eml','t-online-quota-sample.eml']]),
 ('gogmime', 'sendgrid/go-gmime', 'MIT (README.md "License")', [
   ('gmime/fixtures/DSN-bounce.eml', 0, ''), ('gmime/fixtures/DSN-spam.eml', 0, ''), ('gmime/fixtures/NDR-block.eml', 0, ''),
   ('gmime/fixtures/FBL-auth.eml', 0, 'ARF feedback report (kept with bounces as earlier sets keep arf files)')]),
 ('mimekit', 'jstedfast/MimeKit', 'MIT (LICENSE)', [
   ('UnitTests/TestData/messages/bounce.txt', 0, ''), ('UnitTests/TestData/messages/delivery-status.txt', 0, ''),
   ('UnitTests/TestData/messages/delivery-status2.txt', 0, ''),
   ('UnitTests/TestData/messages/delivery-status-no-blank-line.txt', 0, 'test variant of delivery-status.txt'),
   ('UnitTests/TestData/messages/disposition-notification.txt', 1, 'MDN read receipt (message/disposition-notification)')]),
 ('mailparser', 'nodemailer/mailparser', 'MIT (LICENSE)', [('test/fixtures/delivery-status.eml', 0, '')]),
 ('postal', 'postalserver/postal', 'MIT (MIT-LICENCE)', [('resource/postfix-bounce.msg', 0, '')]),
 ('openhpi', 'openHPI/bounced_emails', 'none found', [('tests/testmail', 0, '')]),
]
# files staged by hand: (short, repo, commit, licence, staged file, path in repo, not_bounce, note)
STAGED = []
for n, c in [('yahoo_qmail_failure.txt', '0fd301cca4ef667b69c1858709aee37f006784cd'), ('email_delivery_failure.txt', 'd276812e7ce803ff0322354eea123992570b6c09'), ('exchange_bounce.txt', 'dca60f6173564ba8b91d3951abeaef49da89264b')]:
    STAGED.append(('commcare', 'dimagi/commcare-hq', c, 'BSD-3-Clause (LICENSE)', f'{F}/.staging/commcare/{n}', f'corehq/util/tests/data/email/{n}', 0,
                   'repo too large to fetch: text from the search index read_file (LF line ends, length checked against total_chars); anonymised/stripped by the project'))
STAGED.append(('zammad', 'zammad/zammad', 'ed079e358ed4a2c4906f99cb1b68e9766f74a20a', 'AGPL-3.0 (stated by project; LICENSE file not in the stored index)',
               f'{F}/.staging/zammad/mail033-undelivered-mail-returned-to-sender-notification.box', 'test/data/mail/mail033-undelivered-mail-returned-to-sender-notification.box', 0,
               'repo too large to fetch: text from read_file, CRLF restored (length equals total_chars 5770)'))
for n in ['msg_16.txt', 'msg_25.txt', 'msg_43.txt']:
    STAGED.append(('cpython', 'python/cpython', 'Debian libpython3.11-testsuite 3.11.2-6+deb12u9', 'PSF-2.0 (Python licence)',
                   f'/usr/lib/python3.11/test/test_email/data/{n}', f'Lib/test/test_email/data/{n}', 0, 'taken from the Debian package libpython3.11-testsuite (apt-get)'))
exim_commit = head('Exim+exim')
for f in sorted(os.listdir(f'{F}/.staging/exim')):
    box, k = f.rsplit('-', 1)
    STAGED.append(('exim', 'Exim/exim', exim_commit, 'GPL-2.0 (src/LICENCE)', f'{F}/.staging/exim/{f}', f'test/mail/{box} (message {int(k)} of the mailbox)', 0,
                   'Exim test-suite output (test.ex addresses, dates/ids normalised by the harness); one message per distinct notification text'))

# ---- seen material
seen = json.load(open(f'{F}/.seen.json'))
def lines(b):
    b = b.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    return set(l.strip() for l in b.split(b'\n') if l.strip())
near = []
for root in ['/work/shared/corpus'] + glob.glob('/work/heldout/bounces/*/') + glob.glob('/work/heldout/full/*/'):
    for dp, dn, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp, f)
            if os.path.getsize(p) > 3_000_000 or f.endswith('.tsv'): continue
            b = open(p, 'rb').read(200000)
            if b.count(b'\0') > 10: continue
            s = lines(b)
            if len(s) >= 5:
                near.append((('corpus:' + os.path.relpath(p, '/work/shared/corpus')) if root == '/work/shared/corpus' else 'heldout:' + os.path.relpath(p, '/work/heldout'), s))

cands = []
for short, repo, lic, items in MIR:
    r = repo.replace('/', '+'); c = head(r)
    for p, nb, note in items:
        cands.append((short, repo, c, lic, show(r, p), p, nb, note))
for short, repo, c, lic, fp, p, nb, note in STAGED:
    cands.append((short, repo, c, lic, open(fp, 'rb').read(), p, nb, note))

for d in ('bounces', 'not-bounces'):
    shutil.rmtree(f'{F}/{d}', ignore_errors=True); os.makedirs(f'{F}/{d}')
rows, dropped = [], []
# looked at and not taken (not real notices, or derived variants)
SKIP = [
 ('mimekit', 'jstedfast/MimeKit', 'UnitTests/TestData/messages/delivery-status.anonymized.eml', 'not taken: every word replaced by x (anonymised variant)', 'UnitTests/TestData/messages/delivery-status.txt'),
 ('mimekit', 'jstedfast/MimeKit', 'UnitTests/TestData/messages/delivery-status-multiple-blank-lines.txt', 'not taken: hand-made unit-test fragment', ''),
 ('mimekit', 'jstedfast/MimeKit', 'UnitTests/TestData/messages/feedback-report.txt', 'not taken: RFC 5965 example, not a real notice', ''),
 ('hyvor', 'hyvor/relay', 'worker/bounceparse/testdata/{arf1,dsn_simple,dsn_multi_recipient}.txt', 'not taken: RFC 3464/5965 examples and hand-made invalid fragments', ''),
 ('discourse', 'discourse/discourse', 'spec/fixtures/emails/{bounced_email,bounced_email_2,bounced_email_multiple_status_codes,hard_bounce_via_verp}.eml', 'not taken: hand-trimmed variants of one Postfix template ("Your email bounced")', ''),
 ('castmail2list', 'mxmehl/castmail2list', 'tests/bounces/{exceeds-size,mailbox-full}.eml', 'exact copy', 'heldout:bounces/sisimai-other-*/maildir-err-*'),
 ('emailengine', 'postalsys/emailengine', 'test/fixtures/{autoreply,complaints}/*.eml (12 files)', 'exact copies of sisimai set-of-emails files', 'corpus:bounces/not-bounces/rfc3834-0[16].eml, heldout:bounces/sisimai-bsd-tune/{rfc3834,arf}-*.eml'),
 ('nodebounce', 'prasad83/node-bounce-handler', 'eml/* except 999.eml (77 files)', 'exact copies', 'heldout:bounces/phpbounce-*/ (PHP-Bounce-Handler)'),
 ('rubymail', 'mikel/mail', 'spec/fixtures/emails/multipart_report_emails/{multipart_report_multiple_status,report_422,report_530}.eml', 'exact copies', 'corpus:eml/ruby_mail_fixtures/multipart_report_emails/'),
 ('exim', 'Exim/exim', 'test/mail/* (100 more bounce messages; 26 non-bounce notices: frozen, filter errors, quota warning)', 'not taken: same notification text as a kept Exim message (line-set Jaccard > 0.6 after blanking addresses/ids/digits), or not a bounce', ''),
 ('cpython', 'python/cpython', 'Lib/test/test_email/data/msg_05.txt', 'not taken: hand-made skeleton (From: foo)', ''),
]
dropped.extend(SKIP)
for short, repo, c, lic, b, p, nb, note in cands:
    base = os.path.basename(p.split(' ')[0]) if short != 'exim' else os.path.basename(p.split(' ')[0]) + '-%02d' % int(re.search(r'message (\d+)', p).group(1))
    name = f'{short}__{base}'
    name = re.sub(r'\.(txt|eml|msg|box)$', '', name) + '.eml'
    hit = seen.get('r' + raw(b)) or seen.get('n' + norm(b))
    if hit:
        dropped.append((short, repo, p, 'exact copy', hit)); continue
    s = lines(b); best, bj = '', 0.0
    for nm, t in near:
        j = len(s & t) / len(s | t) if s else 0
        if j > bj: best, bj = nm, j
    if bj >= 0.9:
        dropped.append((short, repo, p, f'near copy (line-set Jaccard {bj:.2f})', best)); continue
    if bj >= 0.6:
        note = (note + '; ' if note else '') + f'similar to {best} (line-set Jaccard {bj:.2f})'
    sub = 'not-bounces' if nb else 'bounces'
    open(f'{F}/{sub}/{name}', 'wb').write(b)
    seen['r' + raw(b)] = f'fresh:{sub}/{name}'; seen['n' + norm(b)] = f'fresh:{sub}/{name}'
    near.append((f'fresh:{sub}/{name}', s))
    rows.append((f'{sub}/{name}', f'https://github.com/{repo}', c, p, lic, len(b), raw(b), note))
with open(f'{F}/MANIFEST.tsv', 'w') as m:
    m.write('file\trepo\tcommit\tpath in repo\tlicence\tsize\tsha256\tnotes\n')
    for r in rows: m.write('\t'.join(map(str, r)) + '\n')
with open(f'{F}/DROPPED-fresh.tsv', 'w') as m:
    m.write('source\trepo\tpath in repo\twhy\tsame as\n')
    for r in dropped: m.write('\t'.join(r) + '\n')
from collections import Counter
print('kept', Counter(r[0].split('/')[0] + ':' + r[0].split('/')[1].split('__')[0] for r in rows))
print('dropped', Counter(d[0] for d in dropped))
