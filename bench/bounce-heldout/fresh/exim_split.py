import re, os, glob, hashlib, json
import subprocess
G='/work/.mirror/Exim+exim/repo'
src=None; out='/work/heldout/fresh/.staging/exim'
for f in glob.glob(out+'/*'): os.remove(f)
msgs=[]
paths=[p for p in subprocess.run(['git','--git-dir='+G,'ls-tree','-r','--name-only','HEAD'],capture_output=True).stdout.decode().split('\n') if p.startswith('test/mail/')]
for p in sorted(paths, key=os.path.basename):
    f=os.path.basename(p); b=subprocess.run(['git','--git-dir='+G,'show','HEAD:'+p],capture_output=True).stdout
    parts=[x for x in re.split(rb'(?:^|\n\n)(?=From \S+ +\w{3} \w{3} )', b) if x.strip()]
    for k,p in enumerate(parts):
        body=p.split(b'\n',1)[1] if p.startswith(b'From ') else p
        hdr=body.split(b'\n\n',1)[0]
        isb = not re.search(rb"^Subject: (Message frozen|error\(s\) in forwarding|Your mailbox)", hdr, re.M) and (re.search(rb'^From: Mail Delivery System', hdr, re.M|re.I) or re.search(rb'report-type=delivery-status', hdr, re.I) or re.search(rb'^Subject: (Mail delivery failed|Warning: message)', hdr, re.M))
        if not isb: continue
        msgs.append((f,k+1,body))
# cluster: notification text with addresses/ids/numbers blanked
def sig(body):
    txt=body.split(b'\n\n',1)[1] if b'\n\n' in body else b''
    txt=txt.split(b'Content-type: message/rfc822')[0].split(b'------ This is a copy')[0]
    txt=re.sub(rb'\S+@\S+',b'@',txt); txt=re.sub(rb'[0-9A-Za-z]{6}-[0-9A-Za-z]{6,}-[0-9A-Za-z]{2,}',b'ID',txt); txt=re.sub(rb'\d+',b'0',txt)
    return set(l.strip() for l in txt.split(b'\n') if l.strip())
kept=[]
for f,k,body in msgs:
    s=sig(body)
    if any(len(s&t)/max(1,len(s|t))>0.6 for _,_,_,t in kept): continue
    kept.append((f,k,body,s))
print(len(msgs),'bounce msgs;',len(kept),'distinct')
for f,k,body,_ in kept:
    name=f"{f}-{k:02d}"
    open(os.path.join(out,name),'wb').write(body)
    m=re.search(rb'^Subject: (.*)$',body,re.M); print(name, m.group(1)[:60].decode() if m else '-')
