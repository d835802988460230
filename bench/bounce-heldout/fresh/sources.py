# candidate files for build_fresh2.py
MM2 = "tests/bounces/aol_01.txt tests/bounces/bounce_01.txt tests/bounces/bounce_02.txt tests/bounces/bounce_03.txt tests/bounces/dsn_01.txt tests/bounces/dsn_02.txt tests/bounces/dsn_03.txt tests/bounces/dsn_04.txt tests/bounces/dsn_05.txt tests/bounces/dsn_06.txt tests/bounces/dsn_07.txt tests/bounces/dsn_08.txt tests/bounces/dsn_09.txt tests/bounces/dsn_10.txt tests/bounces/dsn_11.txt tests/bounces/dsn_12.txt tests/bounces/dsn_13.txt tests/bounces/dsn_14.txt tests/bounces/dsn_15.txt tests/bounces/dsn_16.txt tests/bounces/dsn_17.txt tests/bounces/dsn_18.txt tests/bounces/dumbass_01.txt tests/bounces/exim_01.txt tests/bounces/groupwise_01.txt tests/bounces/groupwise_02.txt tests/bounces/groupwise_03.txt tests/bounces/hotpop_01.txt tests/bounces/llnl_01.txt tests/bounces/microsoft_01.txt tests/bounces/microsoft_02.txt tests/bounces/microsoft_03.txt tests/bounces/netscape_01.txt tests/bounces/newmailru_01.txt tests/bounces/postfix_01.txt tests/bounces/postfix_02.txt tests/bounces/postfix_03.txt tests/bounces/postfix_04.txt tests/bounces/postfix_05.txt tests/bounces/qmail_01.txt tests/bounces/qmail_02.txt tests/bounces/qmail_03.txt tests/bounces/qmail_04.txt tests/bounces/qmail_05.txt tests/bounces/qmail_06.txt tests/bounces/qmail_07.txt tests/bounces/qmail_08.txt tests/bounces/sendmail_01.txt tests/bounces/simple_01.txt tests/bounces/simple_02.txt tests/bounces/simple_03.txt tests/bounces/simple_04.txt tests/bounces/simple_05.txt tests/bounces/simple_06.txt tests/bounces/simple_07.txt tests/bounces/simple_08.txt tests/bounces/simple_09.txt tests/bounces/simple_10.txt tests/bounces/simple_11.txt tests/bounces/simple_12.txt tests/bounces/simple_13.txt tests/bounces/simple_14.txt tests/bounces/simple_15.txt tests/bounces/simple_16.txt tests/bounces/simple_17.txt tests/bounces/simple_18.txt tests/bounces/simple_19.txt tests/bounces/simple_20.txt tests/bounces/simple_21.txt tests/bounces/simple_22.txt tests/bounces/simple_23.txt tests/bounces/simple_24.txt tests/bounces/simple_25.txt tests/bounces/simple_26.txt tests/bounces/simple_27.txt tests/bounces/simple_28.txt tests/bounces/simple_29.txt tests/bounces/simple_30.txt tests/bounces/simple_31.txt tests/bounces/simple_32.txt tests/bounces/simple_33.txt tests/bounces/simple_34.txt tests/bounces/simple_35.txt tests/bounces/simple_36.txt tests/bounces/simple_37.txt tests/bounces/simple_38.txt tests/bounces/simple_39.txt tests/bounces/simple_40.txt tests/bounces/simple_41.txt tests/bounces/simple_44.txt tests/bounces/sina_01.txt tests/bounces/smtp32_01.txt tests/bounces/smtp32_02.txt tests/bounces/smtp32_03.txt tests/bounces/smtp32_04.txt tests/bounces/smtp32_05.txt tests/bounces/smtp32_06.txt tests/bounces/smtp32_07.txt tests/bounces/yahoo_01.txt tests/bounces/yahoo_02.txt tests/bounces/yahoo_03.txt tests/bounces/yahoo_04.txt tests/bounces/yahoo_05.txt tests/bounces/yahoo_06.txt tests/bounces/yahoo_07.txt tests/bounces/yahoo_08.txt tests/bounces/yahoo_09.txt tests/bounces/yahoo_10.txt tests/bounces/yahoo_11.txt tests/bounces/yahoo_12.txt tests/bounces/yale_01.txt ".split()
MIR = [
 ('mailman2', 'jaredmauch/mailman2-python3', 'GPL-2.0 (gnu-COPYING-GPL)', [(p, 1 if p.endswith(('qmail_08.txt', 'groupwise_03.txt')) else 0,
   'GNU Mailman 2 bounce test data' + ({'qmail_08.txt': '; auto-reply, Mailman test expects no bounce (Qmail detector crash test)',
                                         'groupwise_03.txt': '; ordinary Outlook reply, Mailman test expects no bounce (GroupWise detector false-positive test)',
                                         'simple_40.txt': '; delivery warning (Mailman SimpleWarning test)'}.get(p.split('/')[-1], ''))) for p in MM2]),
 ('rt', 'bestpractical/rt', 'GPL-2.0 (COPYING)', [('t/data/emails/multipart-report', 0, 'addresses anonymised to example.com by the project')]),
]
STAGED = []
SKIP = []
SA = 'Apache-2.0 (LICENSE)'
SAB = 't.rules/BOUNCE_MESSAGE/'
MIR.append(('spamassassin', 'apache/spamassassin', SA,
  [(SAB + n, 0, 'SpamAssassin BOUNCE_MESSAGE rule test (expected to hit); sender addresses partly anonymised by the project') for n in
     ['1', '2', '3', '4', '6', '7', '14', 'bug-6051-1', 'bug5884_att4343_2', 'bug5884_att4343_centroshop', 'bug5884_att4343_tbwamerlin']] +
  [(SAB + n, 0, 'delay warning (DSN, delayed), SpamAssassin BOUNCE_MESSAGE rule test') for n in ['bug-5942-1', 'bug-5942-2']] +
  [(SAB + n, 0, 'real bounce; filed under fp- by SpamAssassin only because the test whitelists its relay (whitelist_bounce_relays)') for n in
     ['fp-bug5900-1', 'fp_bug5912_att4321', 'fp_bug5912_att4322']] +
  [('t.rules/VBOUNCE_MESSAGE/bug5884_att4343_gwava', 0, 'RBL block notice from the recipient postmaster (SpamAssassin VBOUNCE_MESSAGE test)'),
   ('t.rules/VBOUNCE_MESSAGE/bug5884_att4343_kerbango', 0, 'antivirus notice to the sender that the message was blocked (SpamAssassin VBOUNCE_MESSAGE test: virus bounce)'),
   ('t.rules/CHALLENGE_RESPONSE/10', 1, 'challenge-response verification request (SpamAssassin CHALLENGE_RESPONSE test; not a bounce)'),
   (SAB + '10', 1, 'challenge-response request used as a must-not-hit BOUNCE_MESSAGE test'),
   (SAB + 'fp-bug-5942-3', 1, 'newsletter: SpamAssassin BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5882-att4297', 1, 'antivirus update report: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5882-att4298', 1, 'OTRS ticket notification: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5882-att4299', 1, 'Google Calendar reminder: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5882-att4300', 1, 'calendar invitation (spam): BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5882-att4301', 1, 'read receipt: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5942-1', 1, 'newsletter: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug5994-1', 1, 'newsletter: BOUNCE_MESSAGE false-positive test (not a bounce)'),
   (SAB + 'fp-bug6008-1', 1, 'Bugzilla notification: BOUNCE_MESSAGE false-positive test (not a bounce)')]))
RT = 'whois-api/src/test/resources/testMail/'
MIR.append(('ripewhois', 'RIPE-NCC/whois', 'BSD-3-Clause (LICENSE.md)',
  [(RT + n + '.mail', 0, 'RIPE whois bounce-handling test mail (addresses partly anonymised by the project)') for n in
    ['permanentFailureMessageRfc822Real', 'permanentFailurePerRecipientMessageRfc822', 'permanentFailureRfc822Headers', 'messageDelayedRfc822Headers',
     'permanentFailureMessageRfc822', 'permanentFailureMessageAnotherRfc822', 'permanentFailureMessageMultipartMixedRfc822', 'permanentFailureMessageNotEnoughParts',
     'permanentFailureMessagePartialReportWithMultipleRecipientsRfc822', 'permanentFailureMessageRfc822JustOneTooLongAddress',
     'permanentFailureMessageRfc822Noc', 'permanentFailureMessageRfc822TooLongAddress', 'permanentFailureWithoutMessageId']] +
  [(RT + 'unsubscribeAppleMail.mail', 1, 'unsubscribe request (project test: not a bounce)'), (RT + 'unsubscribeGmail.mail', 1, 'unsubscribe request (project test: not a bounce)')]))
# fix-up notes
for i, (short, repo, lic, items) in enumerate(MIR):
    if short == 'ripewhois':
        MIR[i] = (short, repo, lic, [(p, nb, (n + '; trimmed by the project (test of a report missing MIME parts)') if p.endswith('NotEnoughParts.mail') else
                                      (n + '; returned message cut to its headers by the project') if 'Rfc822Headers' in p else n) for p, nb, n in items])
ST = '/work/heldout/fresh2/.staging/'
HC = 'repo too large to fetch: text from the search index read_file, line ends as in the repo (length checked against total_chars)'
STAGED += [
 ('zammad', 'zammad/zammad', '832b2ec28a1954fa4fffa324f6691c2cac09f80f', 'AGPL-3.0 (stated by project; LICENSE file not in the stored index)', ST + 'zammad/mail055.box', 'test/data/mail/mail055.box', 0,
  HC + '; Postfix bounce, addresses anonymised by the project'),
 ('chatwoot', 'chatwoot/chatwoot', '442e7aef7016979377eaad8808e03b55cb0a6c75', 'MIT (LICENSE; enterprise/ excepted)', ST + 'chatwoot/bounced_gmail.eml', 'spec/fixtures/files/bounced_gmail.eml', 0,
  HC + '; Gmail bounce with fictional addresses, delivery-status part and icon emptied by the project'),
 ('chatwoot', 'chatwoot/chatwoot', 'f771df85b196faab4f4db7778f406ed89a369442', 'MIT (LICENSE; enterprise/ excepted)', ST + 'chatwoot/bounced_with_no_from.eml', 'spec/fixtures/files/bounced_with_no_from.eml', 0,
  HC + ' (CRLF); Postfix bounce, anonymised, returned message cut off mid-header in the repo'),
 ('commcare', 'dimagi/commcare-hq', '3522c0a2984e57acc0e4b29347ecf6a25d9aaed7', 'BSD-3-Clause (LICENSE)', ST + 'commcare/standard_aws_bounce.txt', 'corehq/util/tests/data/email/standard_aws_bounce.txt', 0,
  HC + '; Amazon SES bounce, anonymised/stripped by the project (empty delivery-status part)'),
 ('civicrm', 'civicrm/civicrm-core', 'c8d32f95a025df81f98b6cf6e0416db5e65b4e63', 'AGPL-3.0 (LICENSE)', ST + 'civicrm/bounce_no_verp.txt', 'tests/phpunit/CRM/Utils/Mail/data/bounces/bounce_no_verp.txt', 0,
  HC + '; Gmail bounce (2014), addresses anonymised by the project'),
]
MIR.append(('findem', 'findemdev/node-bounce-handler', 'BSD (LICENSE, Chris Fortune; inherited from PHP-Bounce-Handler)',
  [('test/eml/bounces/%d.eml' % n, 0, 'added by this fork (the other eml/ files are PHP-Bounce-Handler copies)') for n in (200, 201, 202, 203, 204)] +
  [('test/eml/ok/npm.eml', 1, 'welcome mail, filed under test/eml/ok by the project (not a bounce)')]))
MIR.append(('spamscope', 'SpamScope/mail-parser', 'Apache-2.0 (LICENSE.txt)', [('tests/mails/mail_malformed_2', 0, 'MailSite DSN used by the project as a malformed-mail test')]))
# looked at and not taken (source, repo, path, why, same as)
SKIP += [
 ('crisp', 'crisp-oss/email-bounce-parser', 'test/fixtures/*.txt (111 files)', 'not taken: bounce body text only (no header, no MIME structure); expected/*.json are the parser outputs', ''),
 ('crisp-fork', 'sharevb/email-bounce-parser', 'test/fixtures/*.txt (111 files)', 'not taken: fork of crisp-oss/email-bounce-parser, body text only', 'crisp-oss/email-bounce-parser test/fixtures/'),
 ('mailman2', 'jaredmauch/mailman2-python3', 'tests/bounces/Makefile.in', 'not a message', ''),
 ('rt', 'bestpractical/rt', 't/mail/bounce.t', 'not taken: test builds its own plain message, no notice', ''),
 ('zammad', 'zammad/zammad', 'test/unit/email_process_bounce_delivery_temporary_failed_test.rb (inline Gmail delay DSN)', 'not taken: inline Ruby string with #{...} interpolation, trimmed by the project', ''),
 ('commcare', 'dimagi/commcare-hq', 'corehq/util/tests/data/email/forwarded_bounce.txt', 'not taken: hand-made ("This is a nonstandard forward of a bounced message")', ''),
 ('commcare', 'dimagi/commcare-hq', 'corehq/util/tests/data/email/{sns_*.txt,scheduled_*.json,send_event.json}', 'not taken: Amazon SNS JSON notifications, not mail', ''),
 ('civicrm', 'civicrm/civicrm-core', 'tests/phpunit/CRM/Utils/Mail/data/bounces/test_sample_message.eml', 'not taken: ordinary HTML message sent to a VERP address (not a notice)', ''),
 ('civicrm', 'civicrm/civicrm-core', 'tests/phpunit/CRM/Utils/Mail/data/bounces/{test_nested_message.eml,test_invalid_character.eml,test_utf8mb4_character.txt}', 'not examined (repo too large to fetch; hand copying limited to clear notices)', ''),
 ('chatwoot', 'chatwoot/chatwoot', 'spec/fixtures/files/{auto_reply,auto_reply_with_auto_submitted}.eml', 'not examined (repo too large to fetch; hand copying limited to bounces)', ''),
 ('postalmime', 'postalsys/postal-mime', 'test/fixtures/bounce.eml', 'exact copy', 'fresh:bounces/emailengine__fastmail.eml'),
 ('stalwart', 'stalwartlabs/mail-server', 'tests/resources/smtp/dsn/{delay,failure,mixed,success}.eml', 'not taken: DSNs generated by Stalwart itself (expected outputs of its own DSN code)', ''),
 ('stalwart', 'stalwartlabs/mail-server', 'tests/resources/smtp/antispam/bounce.test', 'not taken: synthetic snippets for spam-filter rules', ''),
 ('mautic', 'mautic/mautic', 'app/bundles/EmailBundle/Tests/MonitoredEmail/Processor/**', 'not taken: inline DSN field blocks and body fragments only, no whole messages', ''),
 ('haraka', 'haraka/Haraka', 'config/outbound.bounce_message*', 'not taken: Haraka bounce templates (own code)', ''),
 ('sympa', 'sympa-community/sympa', 'default/mail_tt2/delivery_status_notification.tt2', 'not taken: Sympa DSN template (own code); t/samples has no notices', ''),
 ('anymail', 'anymail/django-anymail', 'tests/', 'nothing usable: ESP webhook JSON payloads only', ''),
 ('james', 'apache/james-project', 'server/protocols/jmap-rfc-8621-integration-tests/.../eml/mdn_*.eml; DSNBounceTest.java', 'nothing usable: MDN samples and DSNs built by James itself', ''),
 ('ripewhois', 'RIPE-NCC/whois', 'whois-api/src/test/resources/testMail/{testParseFailure,simple*,multipart*,inlinePgpSigned,giantRawUnsignedObject}', 'not taken: ordinary update mails, not notices', ''),
 ('pbh-forks', 'ksami007/php-mail-bounce-handler', 'tests/emls/* (121 files)', 'exact copies', 'heldout:bounces/{cws,phpbounce}-*/, heldout:bounces/sisimai-bsd-tune/'),
 ('pbh-forks', 'webworka/PHP-Bounce-Handler, Rambomst/PHP-Bounce-Handler, macdabby/PHP-Bounce-Handler, deepaknverma/PHP-Bounce-Handler', 'eml/, example/eml/, examples/* (2-77 files each)', 'exact copies', 'heldout:bounces/phpbounce-*/'),
 ('pbh-forks', 'eNichers/node-bounce-handler, boreevyuri/node-bounce-handler', 'eml/*, test/eml/** (78 files each)', 'exact copies', 'heldout:bounces/phpbounce-*/, fresh:bounces/nodebounce__999.eml, fresh2:not-bounces/findem__npm.eml'),
 ('findem', 'findemdev/node-bounce-handler', 'test/eml/{bounces,fbl}/* except 200-204 (82 files)', 'exact copies', 'heldout:bounces/phpbounce-*/, fresh:bounces/nodebounce__999.eml'),
]
for r in ['mathsgod/mail-bounce-parser', 'sarff/bounce-parser', 'Molnix-open-source/BouncedMailManager', 'twisted1919/bounce-handler', 'masegaloeh/mbox-bounce-parser',
          'maMykola/emails-bounce-handler', 'Sapistudio/php-bounce-handler', 'PlaneaSoluciones/mailpoet-bounce-handler', 'agildw/postfix-bounce-parser', 'knadh/listmonk',
          'redmine/redmine', 'freescout-help-desk/freescout', 'osTicket/osTicket', 'roundcube/roundcubemail', 'mailpile/Mailpile', 'helpyio/helpy',
          'thunderbird/thunderbird-android', 'rspamd/rspamd', 'zbateson/mail-mime-parser', 'ddeboer/imap', 'phpList/phplist3', 'mlandauer/cuttlefish',
          'eclipse-ee4j/angus-mail', 'nodemailer/wildduck']:
    SKIP.append((r.split('/')[1].lower(), r, '(whole tree grepped for DSN/bounce markers)', 'nothing usable: no captured notices', ''))
for r, why in [('mailman/mailman', 'GitHub copy is a 56-file stub; Mailman 2 data taken from jaredmauch/mailman2-python3'),
               ('znuny/Znuny', 'too large to fetch; index listing of scripts/test/sample/PostMaster shows no bounce samples'),
               ('OTRS/otrs', 'too large to fetch; index listing of scripts/test/sample/PostMaster shows no bounce samples'),
               ('frappe/frappe', 'too large to fetch; email_account/test_mails has no bounces (index listing)'),
               ('glpi-project/glpi', 'index listing of tests/emails-tests shows no bounces'),
               ('nextcloud/mail', 'index listing of tests/data shows no bounces'),
               ('mozilla/releases-comm-central', 'mailnews/test/data already in the shared corpus; no DSNs in the index listing')]:
    SKIP.append((r.split('/')[1].lower(), r, '', 'nothing usable: ' + why, ''))
SKIP += [('gitlab', 'gitlabhq/gitlabhq', 'spec/fixtures/emails/', 'nothing usable: no bounces in the index listing (auto_reply.eml not taken)', ''),
         ('otobo', 'RotherOSS/otobo', 'scripts/test/sample/PostMaster/', 'nothing usable: no bounce samples in the index listing', '')]
