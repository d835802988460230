#!/usr/bin/env python3
"""synth-forms.py: synthetic notices for comparing with sisimai: each server reply of
replies.txt (taken from the TUNE halves' and the corpus's SISIMAI.tsv) put in
the notice forms of Postfix, qmail, Exim and Sendmail, at RCPT TO and after
DATA. Writes $HELDOUT/synth/<form>-<stage>/NNN.eml. KEEPADDR=1 keeps the
addresses the replies quote (else they are the recipient's)."""
import os, re
H = os.environ.get('HELDOUT', '/work/heldout') + '/synth'
RCPT = 'kijitora@example.com'
# addresses in a reply are the recipient's (as in most real notices)
replies = [l.rstrip('\n') if os.environ.get('KEEPADDR') else re.sub(r'[\w.+-]+@[\w-]+(?:\.[\w-]+)+', RCPT, l.rstrip('\n')) for l in open(os.path.join(H, 'replies.txt')) if l.strip()]
ORIG = """Return-Path: <sender@example.org>
Received: from [192.0.2.9] by mail.example.org with ESMTP id 4B1C2D3E4F; Thu, 29 Apr 2010 23:34:45 +0900
From: Sender <sender@example.org>
To: <kijitora@example.com>
Subject: test
Message-Id: <20100429233445.4B1C2D3E4F@mail.example.org>
Date: Thu, 29 Apr 2010 23:34:45 +0900

test
"""
def status_of(d):
    m = re.search(r'\b([245]\.\d{1,3}\.\d{1,3})\b', d)
    if m: return m.group(1)
    return d[0] + '.0.0'
def postfix(d, stage):
    cmd = 'RCPT TO' if stage == 'rcpt' else 'end of DATA'
    return f"""From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
Date: Thu, 29 Apr 2010 23:34:46 +0900 (JST)
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="4B1C2D3E4F.1272551686/mail.example.org"
Message-Id: <20100429143446.0F1A2B3C4D@mail.example.org>

This is a MIME-encapsulated message.

--4B1C2D3E4F.1272551686/mail.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{RCPT}>: host mx.example.com[192.0.2.1] said: {d} (in reply to {cmd}
    command)

--4B1C2D3E4F.1272551686/mail.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org
X-Postfix-Queue-ID: 4B1C2D3E4F
X-Postfix-Sender: rfc822; sender@example.org
Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900 (JST)

Final-Recipient: rfc822; {RCPT}
Original-Recipient: rfc822;{RCPT}
Action: failed
Status: {status_of(d)}
Remote-MTA: dns; mx.example.com
Diagnostic-Code: smtp; {d}

--4B1C2D3E4F.1272551686/mail.example.org
Content-Description: Undelivered Message
Content-Type: message/rfc822

{ORIG}
--4B1C2D3E4F.1272551686/mail.example.org--
"""
def qmail(d, stage):
    what = 'does not like recipient.' if stage == 'rcpt' else 'failed after I sent the message.'
    return f"""From: MAILER-DAEMON@mail.example.org
To: sender@example.org
Subject: failure notice
Date: 29 Apr 2010 14:34:46 -0000
Message-ID: <20100429143446.12345.qmail@mail.example.org>

Hi. This is the qmail-send program at mail.example.org.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{RCPT}>:
192.0.2.1 {what}
Remote host said: {d}
Giving up on 192.0.2.1.

--- Below this line is a copy of the message.

{ORIG}"""
def exim(d, stage):
    after = f'RCPT TO:<{RCPT}>' if stage == 'rcpt' else 'end of data'
    return f"""From: Mail Delivery System <Mailer-Daemon@mail.example.org>
To: sender@example.org
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1O7Szq-0001Ab-Cd@mail.example.org>
Date: Thu, 29 Apr 2010 23:34:46 +0900
X-Failed-Recipients: {RCPT}
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {RCPT}
    SMTP error from remote mail server after {after}:
    host mx.example.com [192.0.2.1]: {d}

------ This is a copy of the message, including all the headers. ------

{ORIG}"""
def sendmail(d, stage):
    cmd = f'RCPT To:<{RCPT}>' if stage == 'rcpt' else 'DATA'
    return f"""From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.org>
To: <sender@example.org>
Subject: Returned mail: see transcript for details
Date: Thu, 29 Apr 2010 23:34:46 +0900
Message-Id: <201004291434.o3TEYkQ9012345@mail.example.org>
Auto-Submitted: auto-generated (failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="o3TEYkQ9012345.1272551686/mail.example.org"

This is a MIME-encapsulated message

--o3TEYkQ9012345.1272551686/mail.example.org

The original message was received at Thu, 29 Apr 2010 23:34:45 +0900
from localhost [127.0.0.1]

   ----- The following addresses had permanent fatal errors -----
<{RCPT}>
    (reason: {d})

   ----- Transcript of session follows -----
... while talking to mx.example.com.:
>>> {cmd}
<<< {d}
554 5.0.0 Service unavailable

--o3TEYkQ9012345.1272551686/mail.example.org
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org
Received-From-MTA: DNS; localhost
Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900

Final-Recipient: RFC822; {RCPT}
Action: failed
Status: {status_of(d)}
Remote-MTA: DNS; mx.example.com
Diagnostic-Code: SMTP; {d}
Last-Attempt-Date: Thu, 29 Apr 2010 23:34:46 +0900

--o3TEYkQ9012345.1272551686/mail.example.org
Content-Type: message/rfc822

{ORIG}
--o3TEYkQ9012345.1272551686/mail.example.org--
"""
forms = {'postfix': postfix, 'qmail': qmail, 'exim': exim, 'sendmail': sendmail}
for name, fn in forms.items():
    for stage in ('rcpt', 'data'):
        d = os.path.join(H, f'{name}-{stage}')
        os.makedirs(d, exist_ok=True)
        for i, r in enumerate(replies):
            open(os.path.join(d, '%03d.eml' % i), 'w').write(fn(r, stage))
