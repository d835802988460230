# split_fresh.py SRC PREFIX: splits a folder of notices with SISIMAI.tsv into
# PREFIX-tune and PREFIX-test (beside SRC) by a hash of the file name.
import hashlib, os, shutil, sys
src, prefix = sys.argv[1].rstrip('/'), sys.argv[2]
base = os.path.dirname(src)
lines = open(f'{src}/SISIMAI.tsv', encoding='latin-1').read().splitlines()
hdr = [l for l in lines if l.startswith('#') or l.startswith('file\t')]
rows = {}
for l in lines:
    if l not in hdr:
        rows.setdefault(l.split('\t')[0], []).append(l)
out, cnt = {}, {}
for half in ('tune', 'test'):
    d = f'{base}/{prefix}-{half}'
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    out[half], cnt[half] = list(hdr), 0
for f in sorted(os.listdir(src)):
    if not f.endswith('.eml'):
        continue
    h = hashlib.sha256((prefix + '/' + f).encode()).digest()[0]
    half = 'tune' if h % 2 == 0 else 'test'
    shutil.copy(f'{src}/{f}', f'{base}/{prefix}-{half}/{f}')
    out[half] += rows.get(f, [])
    cnt[half] += 1
for half in out:
    open(f'{base}/{prefix}-{half}/SISIMAI.tsv', 'w', encoding='latin-1').write('\n'.join(out[half]) + '\n')
print(cnt)
