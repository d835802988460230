import sys, json, os, glob, subprocess
sys.path.insert(0,'/work/heldout/fresh')
from hashlib2 import raw, norm
seen = json.load(open('/work/heldout/fresh/.seen.json'))
for d in ['bounces','not-bounces']:
    for p in glob.glob(f'/work/heldout/fresh/{d}/*.eml'):
        b=open(p,'rb').read(); seen.setdefault('r'+raw(b),'fresh:'+d+'/'+os.path.basename(p)); seen.setdefault('n'+norm(b),'fresh:'+d+'/'+os.path.basename(p))
def gd(r):
    g=f'/work/.mirror/{r}/repo'; return g+'/.git' if os.path.isdir(g+'/.git') else g
r=sys.argv[1]
for p in sys.argv[2:]:
    b=subprocess.run(['git','--git-dir='+gd(r),'show','HEAD:'+p],capture_output=True).stdout
    h=seen.get('r'+raw(b)) or seen.get('n'+norm(b))
    print(('COPY '+h) if h else 'NEW', p, len(b))
