import hashlib
def raw(b): return hashlib.sha256(b).hexdigest()
def norm(b):
    b = b.replace(b'\r\n', b'\n').replace(b'\r', b'\n')
    return hashlib.sha256(b'\n'.join(l.rstrip() for l in b.split(b'\n')).strip()).hexdigest()
