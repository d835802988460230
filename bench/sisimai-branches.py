# sisimai-branches.py: writes out the branches of sisimai 4.25's five reason regular
# expressions (Sisimai::Reason::{UserUnknown,Blocked,SpamDetected,
# SecurityError,MailerError}) one per row: reason, Go pattern, example.
# Reads the modules of an installed sisimai (Debian libsisimai-perl); its
# output is reviewed before rows go into bounce/data/sisimai-phrases.tsv.
import re, sys
def body(path):
    s = open(path).read()
    m = re.search(r'state \$regex = qr\{(.*?)\}x', s, re.S)
    out=[]; incls=False; esc=False; comment=False
    for ch in m.group(1):
        if comment:
            comment = ch!='\n'; continue
        if esc: out.append(ch); esc=False; continue
        if ch=='\\': out.append(ch); esc=True; continue
        if incls:
            out.append(ch); incls = ch!=']'; continue
        if ch=='[': incls=True; out.append(ch); continue
        if ch=='#': comment=True; continue
        if ch.isspace(): continue
        out.append(ch)
    return ''.join(out)
def parse(s, i=0):
    alts=[[]]
    while i < len(s):
        c=s[i]
        if c=='|': alts.append([]); i+=1; continue
        if c==')': break
        if c=='(':
            j=i+1
            if s[j]=='?': j+=2
            node,i=parse(s,j); i+=1
            atom=node
        elif c=='[':
            j=s.index(']',i+2)
            atom=('cls',s[i+1:j]); i=j+1
        elif c=='\\':
            atom=('esc',s[i+1]); i+=2
        elif c=='.':
            atom=('any','.'); i+=1
        else:
            atom=('lit',c); i+=1
        q=''
        if i<len(s) and s[i] in '?+*': q=s[i]; i+=1
        elif i<len(s) and s[i]=='{':
            j=s.index('}',i); q=s[i:j+1]; i=j+1
        if i<len(s) and s[i]=='?': i+=1
        alts[-1].append((atom,q))
    return ('alt',alts), i
META=set('\\.+*?()|[]{}^$')
def lit(c): return ('\\'+c if c in META else c)
def ex_atom(a,q):
    # returns list of (example, pattern)
    t=a[0]
    if t=='lit': return [(a[1],lit(a[1]))]
    if t=='any': return [('x','.'+q)]
    if t=='esc':
        c=a[1]
        if c=='z': return [('','$')]
        if c=='A': return [('','^')]
        if c=='d': return [('5'*(1 if q in ('','?') else 3), r'\d'+('' if q=='?' else q))]
        if c=='s': return [(' ',r'\s'+q)]
        if c=='w': return [('x',r'\w'+q)]
        return [(c,lit(c))]
    if t=='cls':
        cls=a[1]
        if cls.startswith('^'): return [('neko',r'\S'+q)]
        if len(cls)==1: return [(cls,lit(cls))]
        if cls=='0-9a-z_': return [('abc',r'\w'+q)]
        if cls=='0-9': return [('5',r'\d'+q)]
        return [(cls[0], '['+cls+']'+q)]
    if t=='alt': return expand(a)
def expand(node):
    out=[]
    for seq in node[1]:
        cur=[('','')]
        for atom,q in seq:
            opts=ex_atom(atom,q)
            raw = atom[0] in ('lit','alt') or (atom[0]=='esc' and atom[1] not in 'dswzA') or (atom[0]=='cls' and len(atom[1])==1)
            if raw and q=='?':
                opts=opts+[('','')]
            elif raw and q.startswith('{'):
                n=int(re.match(r'\{(\d+)',q).group(1)); opts=[(e*n,p*n) for e,p in opts]
            elif raw and q in ('+','*'):
                opts=[(e,'(?:'+p+')'+q) for e,p in opts]
            cur=[(ce+e,cp+p) for ce,cp in cur for e,p in opts]
        out+=cur
    return out
for name,reason in [('UserUnknown','userunknown'),('Blocked','blocked'),('SpamDetected','spamdetected'),('SecurityError','securityerror'),('MailerError','mailererror')]:
    node,_=parse(body('/usr/share/perl5/Sisimai/Reason/%s.pm'%name))
    for e,p in expand(node):
        if p.startswith('said: 550[-[ ]\\]'):
            p=p.replace('550[-[ ]\\]','550[- ]'); e=e.replace('550-]','550 ')
        print('%s\t%s\t%s'%(reason,p,e))
