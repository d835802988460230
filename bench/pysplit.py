#!/usr/bin/env python3
"""The peer for bench/mbox.sh: python3's mailbox module splitting an mbox
into one file per message, the way people script it today."""
import mailbox
import os
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
box = mailbox.mbox(src, create=False)
n = 0
for key in box.iterkeys():
    with open(os.path.join(out, "%d.eml" % key), "wb") as f:
        f.write(box.get_bytes(key))
    n += 1
print(n, "messages", file=sys.stderr)
