import hashlib, os, glob, json
def raw(b): return hashlib.sha256(b).hexdigest()
def norm(b):
    b = b.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    return hashlib.sha256(b'\n'.join(l.rstrip() for l in b.split(b'\n')).strip()).hexdigest()

seen = {}
roots = [('/work/shared/corpus','corpus:')] + [(d,'heldout:') for d in glob.glob('/work/heldout/bounces/*/')+glob.glob('/work/heldout/full/*/')]
for root, tag in roots:
    for dp, dn, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp,f)
            if f.endswith('.tsv') and tag=='heldout:': continue
            b = open(p,'rb').read()
            name = tag + os.path.relpath(p, '/work/shared/corpus' if tag=='corpus:' else '/work/heldout')
            seen.setdefault('r'+raw(b), name); seen.setdefault('n'+norm(b), name)
json.dump(seen, open('/work/heldout/fresh/.seen.json','w'))
print(len(seen))
