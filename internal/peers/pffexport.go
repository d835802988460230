package peers

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PffExport runs pffexport (pff-tools, libpff) on pstPath, writing below
// tmpDir, and reads what it wrote:
//
//	pffexport -q -m items -f all -l items.log -t items PST
//	pffexport -q -d -m items -f all -l values.log -t values PST
//
// The first run is the export proper: "-m items" writes the allocated
// items of the folder tree below the root folder (no orphans, no
// recovered items), one directory per folder (named after the folder,
// see PffName) and one per item (<Kind>NNNNN, numbered by its place
// among the folder's items, from 1) holding OutlookHeaders.txt (or
// <Kind>.txt: Appointment.txt, Contact.txt...), InternetHeaders.txt when
// the item has transport headers, Recipients.txt, the bodies
// (Message.txt, Message.html, Message.rtf: "-f all"), and Attachments/
// (N_name files, AttachmentNNNNN/ directories holding embedded items).
// Its log (-l) gives each folder's and item's node id and each folder's
// name before sanitizing.
//
// The second run adds ItemValues.txt files (-d: every property of every
// item, as hex dumps), from which the message class, the Internet
// Message-ID and the SMTP addresses are read, and joined to the first
// run's items by node id. It is a separate run because -d also changes
// what is exported: folders are then walked through all their sub items,
// associated (FAI) contents included, so item numbers shift.
//
// An error running the first run is returned with whatever it wrote; the
// second run only adds detail, and its failure is returned only when the
// first succeeded.
func PffExport(ctx context.Context, pstPath, tmpDir string) (*Export, error) {
	if !Available("pffexport") {
		return nil, fmt.Errorf("pffexport: %w", ErrNotInstalled)
	}
	src, err := filepath.Abs(pstPath)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp(tmpDir, "pffexport-")
	if err != nil {
		return nil, err
	}
	e := &Export{Tool: "pffexport", Version: version(ctx, "pffexport"), Source: pstPath, Dir: filepath.Join(base, "items.export")}
	out, runErr := run(ctx, base, "pffexport", "-q", "-m", "items", "-f", "all", "-l", "items.log", "-t", "items", src)
	e.Output = out
	e.Skipped, e.Errors = pffOutput(out)
	logText, _ := os.ReadFile(filepath.Join(base, "items.log"))
	p := &pffParser{e: e, log: parsePffLog(decodeText(logText), "items.export")}
	if _, err := os.Stat(e.Dir); err != nil {
		if runErr == nil {
			runErr = fmt.Errorf("pffexport wrote no %s", e.Dir)
		}
		return e, runErr
	}

	// the item values, joined by node id
	valuesDir := filepath.Join(base, "values.export")
	out2, valErr := run(ctx, base, "pffexport", "-q", "-d", "-m", "items", "-f", "all", "-l", "values.log", "-t", "values", src)
	if valErr != nil {
		e.Errors = append(e.Errors, "item values run: "+lastLines(out2, 3))
	}
	if logText, err := os.ReadFile(filepath.Join(base, "values.log")); err == nil {
		vl := parsePffLog(decodeText(logText), "values.export")
		p.values = map[uint32]string{}
		for dir, d := range vl.dirs {
			if d.kind != "folder" && d.nid != 0 && !strings.Contains(dir, "/Attachments/") {
				p.values[d.nid] = filepath.Join(valuesDir, filepath.FromSlash(dir))
			}
		}
	}

	p.walk("", "", 0)
	if runErr == nil && valErr != nil {
		runErr = valErr
	}
	return e, runErr
}

// pffOutput picks the skipped items and the error lines out of what
// pffexport printed.
func pffOutput(out string) (skipped, errs []string) {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "", strings.HasPrefix(l, "pffexport "), l == "Opening file.", l == "Exporting items.",
			l == "Export completed.", strings.HasPrefix(l, "Exporting "):
		case strings.HasPrefix(l, "Skipped item "):
			skipped = append(skipped, strings.TrimSuffix(strings.TrimPrefix(l, "Skipped "), "."))
		default:
			errs = append(errs, l)
		}
	}
	return skipped, errs
}

// pffLog is what pffexport's log (-l) says about the directories it made.
type pffLog struct {
	dirs   map[string]logDir   // directory, relative to the .export folder, "/"-separated
	order  map[string]int      // the order directories were made in
	failed map[string][]string // item directory -> "Unable to export ..." lines
}

type logDir struct {
	kind string // "folder", "email", "appointment"... as the log says
	nid  uint32
	name string // folders: the name before sanitizing; "" when the log has none
}

var (
	logProcessing = regexp.MustCompile(`^Processing ([a-zA-Z ]+): (\d+) \(identifier: (\d+)\) in path: (.*)$`)
	logUnable     = regexp.MustCompile(`^Unable to export ([a-zA-Z ]+) item: (\d+) out of: (\d+)\.$`)
)

// parsePffLog reads pffexport's log. root is the name of the .export
// folder as the log's paths start with it.
func parsePffLog(text, root string) *pffLog {
	l := &pffLog{dirs: map[string]logDir{}, order: map[string]int{}, failed: map[string][]string{}}
	rel := func(p string) (string, bool) {
		p = strings.TrimSuffix(p, "/")
		if p == root {
			return "", true
		}
		if r, ok := strings.CutPrefix(p, root+"/"); ok {
			return r, true
		}
		return "", false
	}
	type proc struct {
		kind    string
		index   int
		parent  string
		d       logDir
		created string
	}
	var procs []*proc
	var pending *proc
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if m := logProcessing.FindStringSubmatch(line); m != nil {
			idx, _ := strconv.Atoi(m[2])
			nid, _ := strconv.ParseUint(m[3], 10, 32)
			parent, _ := rel(m[4])
			pending = &proc{kind: m[1], index: idx, parent: parent, d: logDir{kind: m[1], nid: uint32(nid)}}
			procs = append(procs, pending)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Saving folder with name: "); ok && pending != nil {
			// "RAW as: SANITIZED", both of one length
			if n := (len(rest) - len(" as: ")) / 2; n >= 0 && len(rest) == 2*n+len(" as: ") && rest[n:n+5] == " as: " {
				pending.d.name = rest[:n]
			}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Created directory: "); ok {
			dir, ok := rel(strings.TrimSuffix(rest, "."))
			if !ok {
				continue
			}
			if _, seen := l.order[dir]; !seen {
				l.order[dir] = len(l.order)
			}
			if pending != nil && parentOf(dir) == pending.parent {
				l.dirs[dir] = pending.d
				pending.created = dir
				pending = nil
			}
			continue
		}
		if m := logUnable.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[2])
			for i := len(procs) - 1; i >= 0; i-- {
				if p := procs[i]; p.kind == m[1] && p.index == n-1 && p.created != "" {
					l.failed[p.created] = append(l.failed[p.created], line)
					break
				}
			}
		}
	}
	return l
}

// parentOf returns the directory holding dir, "" for a top one.
func parentOf(dir string) string {
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		return dir[:i]
	}
	return ""
}

// itemDir matches the directories pffexport makes for items.
var itemDir = regexp.MustCompile(`^(Activity|Appointment|Contact|DistributionList|Document|Feed|Meeting|Message|Note|Task)\d{5}$`)

// kindsWithRecipients are the item kinds for which pffexport writes
// recipients and attachments (export_handle.c: not for meetings and
// distribution lists).
var kindsWithRecipients = map[string]bool{
	"Activity": true, "Appointment": true, "Contact": true, "Document": true,
	"Feed": true, "Message": true, "Note": true, "Task": true,
}

type pffParser struct {
	e      *Export
	log    *pffLog
	values map[uint32]string // node id -> directory of the item values run
}

// walk reads the folder directory rel (relative to e.Dir, "/"-separated)
// whose path is fpath.
func (p *pffParser) walk(rel, fpath string, nid uint32) {
	f := &Folder{Path: fpath, Dir: rel, NID: nid}
	if rel != "" {
		p.e.Folders = append(p.e.Folders, f)
	}
	ents, err := os.ReadDir(filepath.Join(p.e.Dir, filepath.FromSlash(rel)))
	if err != nil {
		p.e.Errors = append(p.e.Errors, err.Error())
		return
	}
	// in the order pffexport made them
	sort.SliceStable(ents, func(i, j int) bool {
		oi, iok := p.log.order[path.Join(rel, ents[i].Name())]
		oj, jok := p.log.order[path.Join(rel, ents[j].Name())]
		if iok != jok {
			return iok
		}
		return oi < oj
	})
	var sub []os.DirEntry
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		crel := path.Join(rel, ent.Name())
		d, logged := p.log.dirs[crel]
		switch {
		case logged && d.kind == "folder":
			sub = append(sub, ent)
		case itemDir.MatchString(ent.Name()):
			it := p.item(crel, d.nid)
			it.Folder = fpath
			f.Items = append(f.Items, it)
		default:
			sub = append(sub, ent) // a folder the log does not name
		}
	}
	if rel == "" && len(f.Items) > 0 {
		p.e.Folders = append(p.e.Folders, f) // items in the root folder itself
	}
	for _, ent := range sub {
		crel := path.Join(rel, ent.Name())
		d := p.log.dirs[crel]
		name := ent.Name()
		if d.name != "" && PffName(d.name) == name {
			name = d.name
		}
		cpath := name
		if fpath != "" {
			cpath = fpath + "/" + name
		}
		p.walk(crel, cpath, d.nid)
	}
}

// item reads the item directory rel.
func (p *pffParser) item(rel string, nid uint32) *Item {
	dir := filepath.Join(p.e.Dir, filepath.FromSlash(rel))
	kind := itemDir.FindStringSubmatch(path.Base(rel))[1]
	it := &Item{Path: rel, Kind: kind, NID: nid}
	it.Errors = append(it.Errors, p.log.failed[rel]...)
	it.RecipientsKnown = kindsWithRecipients[kind]
	it.AttachmentsKnown = kindsWithRecipients[kind]

	name := kind + ".txt"
	if kind == "Message" {
		name = "OutlookHeaders.txt"
	}
	if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
		h := pffSection(decodeText(b), "Message")
		it.Subject = h["Subject"]
		it.From = Address{Name: h["Sent representing name"], Addr: h["Sent representing email address"]}
		it.Sender = Address{Name: h["Sender name"], Addr: h["Sender email address"]}
		it.ClientSubmitTime = pffTime(h["Client submit time"])
		it.DeliveryTime = pffTime(h["Delivery time"])
		it.CreationTime = pffTime(h["Creation time"])
		it.ModificationTime = pffTime(h["Modification time"])
	} else {
		it.Errors = append(it.Errors, "no "+name)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "InternetHeaders.txt")); err == nil {
		it.Headers = decodeText(b)
		h := parseHeader(it.Headers)
		it.MessageID = h.messageID()
		it.Date = h.date()
	}
	if b, err := os.ReadFile(filepath.Join(dir, "Recipients.txt")); err == nil {
		it.Recipients = pffRecipients(decodeText(b))
	}
	p.attachments(it, rel)

	// what only the item values show
	if vdir, ok := p.values[nid]; ok && nid != 0 {
		p.addValues(it, vdir)
	}
	return it
}

// attachments reads the item's Attachments directory.
func (p *pffParser) attachments(it *Item, rel string) {
	arel := path.Join(rel, "Attachments")
	ents, err := os.ReadDir(filepath.Join(p.e.Dir, filepath.FromSlash(arel)))
	if err != nil {
		return
	}
	type numbered struct {
		n int
		a *Attachment
	}
	var list []numbered
	for _, ent := range ents {
		name := ent.Name()
		if ent.IsDir() {
			// AttachmentNNNNN/<Kind>00001: an embedded item
			n, err := strconv.Atoi(strings.TrimPrefix(name, "Attachment"))
			if !strings.HasPrefix(name, "Attachment") || err != nil {
				continue
			}
			a := &Attachment{Path: path.Join(arel, name)}
			sub, _ := os.ReadDir(filepath.Join(p.e.Dir, filepath.FromSlash(a.Path)))
			for _, s := range sub {
				if s.IsDir() && itemDir.MatchString(s.Name()) {
					srel := path.Join(a.Path, s.Name())
					a.Embedded = p.item(srel, p.log.dirs[srel].nid)
					break
				}
			}
			list = append(list, numbered{n, a})
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || ent.Type()&os.ModeType != 0 {
			continue
		}
		a := &Attachment{Name: rest, Path: path.Join(arel, name)}
		if err := hashFile(filepath.Join(p.e.Dir, filepath.FromSlash(a.Path)), a); err != nil {
			it.Errors = append(it.Errors, err.Error())
		}
		list = append(list, numbered{n, a})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].n < list[j].n })
	for _, l := range list {
		it.Attachments = append(it.Attachments, l.a)
	}
}

func hashFile(name string, a *Attachment) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	a.Size, a.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return err
}

// addValues adds what the item values run wrote in vdir (the same item's
// directory there) to it, and to its embedded items.
func (p *pffParser) addValues(it *Item, vdir string) {
	sets := readItemValues(filepath.Join(vdir, "ItemValues.txt"))
	if len(sets) > 0 {
		v := sets[0]
		it.Class = v.str(tagMessageClass)
		if id := v.str(tagInternetMessageID); id != "" {
			it.MessageID = strings.TrimSpace(id)
		}
		it.From.Type = v.str(tagSentRepresentingAddrType)
		it.From.SMTP = v.str(tagSentRepresentingSMTP)
		it.Sender.Type = v.str(tagSenderAddrType)
		it.Sender.SMTP = v.str(tagSenderSMTP)
	}
	if rs := readItemValues(filepath.Join(vdir, "RecipientsItemValues.txt")); len(rs) == len(it.Recipients) {
		for i, v := range rs {
			it.Recipients[i].SMTP = v.str(tagSMTPAddress)
			if it.Recipients[i].SMTP == "" && strings.EqualFold(it.Recipients[i].Type, "SMTP") {
				it.Recipients[i].SMTP = it.Recipients[i].Addr
			}
		}
	}
	if as := readItemValues(filepath.Join(vdir, "Attachments", "ItemValues.txt")); len(as) == len(it.Attachments) {
		for i, v := range as {
			a := it.Attachments[i]
			a.LongName = v.str(tagAttachLongFilename)
			a.Method = int(v.int32(tagAttachMethod))
			if a.Embedded == nil && a.LongName == "" {
				a.Name = "" // pffexport's "Attachment.txt" stand-in
			}
			if a.Embedded != nil {
				sub := filepath.Join(vdir, "Attachments", path.Base(a.Path), path.Base(a.Embedded.Path))
				p.addValues(a.Embedded, sub)
			}
		}
	}
}

// Property tags read from the item values.
const (
	tagMessageClass             = 0x001a
	tagSentRepresentingAddrType = 0x0064
	tagSenderAddrType           = 0x0c1e
	tagInternetMessageID        = 0x1035
	tagSMTPAddress              = 0x39fe
	tagAttachMethod             = 0x3705
	tagAttachLongFilename       = 0x3707
	tagSenderSMTP               = 0x5d01
	tagSentRepresentingSMTP     = 0x5d02
)

// propValue is one property from an ItemValues.txt dump.
type propValue struct {
	typ  uint16
	data []byte
}

type propSet map[uint16]propValue

// str returns a string property: UTF-16LE (type 0x1f) or 8-bit (0x1e,
// read as UTF-8 or windows-1252), its terminating NULs dropped.
func (s propSet) str(tag uint16) string {
	v, ok := s[tag]
	if !ok {
		return ""
	}
	switch v.typ {
	case 0x1f:
		return strings.TrimRight(decodeUTF16(v.data, binary.LittleEndian), "\x00")
	case 0x1e:
		return strings.TrimRight(decodeText(v.data), "\x00")
	}
	return ""
}

// int32 returns a 32-bit integer property (type 0x03), or 0.
func (s propSet) int32(tag uint16) int32 {
	v, ok := s[tag]
	if !ok || v.typ != 0x03 || len(v.data) < 4 {
		return 0
	}
	return int32(binary.LittleEndian.Uint32(v.data))
}

// readItemValues reads an ItemValues.txt file pffexport -d writes: per
// record set ("Set: N"), the entries ("Entry type: 0x0000001a", "Value
// type: 0x0000001f", "Value:" and a hex dump). Named properties ("Maps
// to ...") are left out. A missing file gives no sets.
func readItemValues(name string) []propSet {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	var sets []propSet
	var cur propSet
	var entry, typ uint64
	named, inValue := false, false
	var data []byte
	finish := func() {
		if inValue && cur != nil && !named && entry < 0x10000 {
			cur[uint16(entry)] = propValue{typ: uint16(typ), data: data}
		}
		inValue, data = false, nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if inValue {
			if strings.HasPrefix(line, "0x") && len(line) > 12 && line[10] == ':' {
				data = appendHexDump(data, line)
				continue
			}
			finish()
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Set":
			n, _ := strconv.Atoi(val)
			for len(sets) <= n {
				sets = append(sets, propSet{})
			}
			cur = sets[n]
		case "Entry":
			named = false
		case "Entry type":
			entry, _ = strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32)
		case "Maps to entry type", "Maps to entry":
			named = true
		case "Value type":
			typ, _ = strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32)
		case "Value":
			inValue, data = true, nil
		}
	}
	finish()
	return sets
}

// appendHexDump appends the bytes of one hex dump line
// ("0x00000000: 49 00 50 00 4d 00 2e 00  4e 00 ...   I.P.M... N.") to b:
// the bytes are in the columns 12 to 61, the characters after them.
func appendHexDump(b []byte, line string) []byte {
	hexPart := line[12:min(len(line), 61)]
	for _, tok := range strings.Fields(hexPart) {
		if len(tok) != 2 {
			break
		}
		v, err := strconv.ParseUint(tok, 16, 8)
		if err != nil {
			break
		}
		b = append(b, byte(v))
	}
	return b
}

var pffKey = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9 ()/-]*):\t+(.*)$`)

// pffSection returns the "Key:\t\tvalue" lines of the section that starts
// with a line "name:" (OutlookHeaders.txt has one, "Message:";
// Contact.txt and the like have "Message:" then "Contact:"). A line that
// is not a key line continues the value before it (a subject with a line
// break).
func pffSection(text, name string) map[string]string {
	m := map[string]string{}
	in := false
	last := ""
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if !in {
			in = line == name+":"
			continue
		}
		if line == "" {
			break
		}
		if k := pffKey.FindStringSubmatch(line); k != nil {
			last = k[1]
			m[last] = k[2]
		} else if last != "" {
			m[last] += "\n" + line
		}
	}
	return m
}

// pffRecipients reads Recipients.txt: blocks of "Display name",
// "Recipient display name", "Email address", "Address type", "Recipient
// type" lines, separated by empty lines.
func pffRecipients(text string) []Recipient {
	var out []Recipient
	var cur *Recipient
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line == "" {
			cur = nil
			continue
		}
		k := pffKey.FindStringSubmatch(line)
		if k == nil {
			continue
		}
		if cur == nil {
			out = append(out, Recipient{})
			cur = &out[len(out)-1]
		}
		switch v := k[2]; k[1] {
		case "Display name":
			cur.Name = v
		case "Recipient display name":
			if cur.Name == "" {
				cur.Name = v
			}
		case "Email address":
			cur.Addr = v
		case "Address type":
			cur.Type = v
		case "Recipient type":
			cur.Kind = v
		}
	}
	for i := range out {
		if strings.EqualFold(out[i].Type, "SMTP") {
			out[i].SMTP = out[i].Addr
		}
	}
	return out
}

// pffTime parses pffexport's FILETIME rendering, "Mar 15, 2010
// 17:12:05.951519700 UTC" (always UTC); zero when not set or not
// parseable ("Not set (0)").
func pffTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("Jan 02, 2006 15:04:05.999999999 UTC", s)
	if err != nil {
		return time.Time{}
	}
	return t
}
