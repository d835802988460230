package msg

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Bounds on what one file may make us build. The sizes of streams are
// bounded by the file; these bound the counts.
const (
	// MaxDepth is the deepest nesting of embedded messages read; deeper
	// ones are left out with a warning.
	MaxDepth = 64
	// maxProperties bounds the properties read from one file, at every
	// level together.
	maxProperties = 1 << 20
	// maxValues bounds the values of one multi-valued property.
	maxValues = 1 << 16
	// maxObjects bounds the recipients, and the attachments, of one
	// message (MS-OXMSG allows 2048 of each).
	maxObjects = 1 << 14
)

// MS-OXMSG section 2.2.1 and 2.2.2: the storages of recipients and
// attachments, and the embedded message or OLE storage of an attachment.
const (
	recipPrefix  = "__recip_version1.0_#"
	attachPrefix = "__attach_version1.0_#"
	objectName   = "__substg1.0_3701000D"
)

// builder turns the storages of a compound file into mapi.Messages.
type builder struct {
	cf     *compound
	named  map[uint16]mapi.NamedProperty
	nprops int
	budget int64 // bytes of streams that may still be read

	codePage   mapi.CodePageChoice // of the top-level message
	readFailed bool                // a stream could not be read whole
	damage     int                 // things of the message that could not be read
	content    int                 // of those, damage to the content (see bad)
	embedded   int                 // embedded messages read, at every depth
	ole        int                 // OLE object storages met, at every depth
	unicode    int                 // PtypString values at the top level
	ansi       int                 // PtypString8 values at the top level
}

// warn adds a warning to a message's list and marks the file damaged.
func (b *builder) warn(w *[]string, format string, args ...any) {
	*w = append(*w, fmt.Sprintf(format, args...))
	b.damage++
}

// bad adds a warning of damage to the content at the .msg level: a
// property stream that does not parse, a stream it lists that is not
// there. These count in choosing between mscfb's reading and the
// tolerant walk's (a chain that mscfb follows into the wrong sectors
// reads without an error, but not as a property stream).
func (b *builder) bad(w *[]string, format string, args ...any) {
	b.warn(w, format, args...)
	b.content++
}

// note adds a warning that is not damage (something kept differently
// from how it was stored).
func note(w *[]string, format string, args ...any) {
	*w = append(*w, fmt.Sprintf(format, args...))
}

// readStream reads a stream; what went wrong becomes a warning naming
// path. ok is false when nothing could be read.
func (b *builder) readStream(n *node, path string, w *[]string) ([]byte, bool) {
	if min(n.size, b.cf.size) > b.budget {
		b.readFailed = true
		b.warn(w, "%s: %d bytes; the read budget for this file (%d bytes left) is spent", path, n.size, b.budget)
		return nil, false
	}
	data, warns, err := n.read()
	b.budget -= int64(len(data))
	for _, x := range warns {
		b.warn(w, "%s: %s", path, x)
	}
	if len(warns) > 0 {
		b.readFailed = true
	}
	if err != nil {
		b.readFailed = true
		b.warn(w, "%s: unreadable: %v", path, err)
		return data, len(data) > 0
	}
	return data, true
}

// checkGuess reports whether a string value read from a stream located
// by a guess still reads as text; a value that does not is dropped, with
// a warning, rather than exported as a subject or name.
func (b *builder) checkGuess(n *node, t mapi.PropType, data []byte, path string, w *[]string) bool {
	if !n.guessed {
		return true
	}
	ok := true
	switch t {
	case mapi.PtypString:
		ok = plausibleText(mapi.DecodeUTF16(data))
	case mapi.PtypString8:
		ok = plausibleText8(trimValue(t, data))
	}
	if !ok {
		b.bad(w, "%s: located by a guess (see the compound file warnings), and what is there does not read as text; dropped", path)
	}
	return ok
}

// readMessage reads a message storage: the top-level one (hdr 32) or an
// embedded one (hdr 24), its recipients and attachments, and below those
// the embedded messages up to MaxDepth.
func (b *builder) readMessage(st *node, hdr, depth, parentCP int, path string) *mapi.Message {
	m := &mapi.Message{}
	props, h, str8 := b.readProps(st, hdr, path, &m.Warnings, depth == 0)
	m.Props = props
	recips := sortedChildren(st, recipPrefix)
	atts := sortedChildren(st, attachPrefix)
	if h.RecipientCount > int64(len(recips)) {
		note(&m.Warnings, "%s: the property stream counts %d recipients; %d recipient storages found", join(path, propStreamName), h.RecipientCount, len(recips))
	}
	if h.AttachmentCount > int64(len(atts)) {
		note(&m.Warnings, "%s: the property stream counts %d attachments; %d attachment storages found", join(path, propStreamName), h.AttachmentCount, len(atts))
	}
	if len(recips) > maxObjects {
		b.warn(&m.Warnings, "%s: %d recipient storages; only the first %d are read", path, len(recips), maxObjects)
		recips = recips[:maxObjects]
	}
	if len(atts) > maxObjects {
		b.warn(&m.Warnings, "%s: %d attachment storages; only the first %d are read", path, len(atts), maxObjects)
		atts = atts[:maxObjects]
	}
	for _, r := range recips {
		p, _, s8 := b.readProps(r, headerSub, join(path, r.name), &m.Warnings, false)
		str8 = append(str8, s8...)
		m.Recipients = append(m.Recipients, &p)
	}
	for _, a := range atts {
		p, _, s8 := b.readProps(a, headerSub, join(path, a.name), &m.Warnings, false)
		str8 = append(str8, s8...)
		m.Attachments = append(m.Attachments, &mapi.Attachment{Props: p})
	}

	cp := mapi.ChooseCodePage(&m.Props, parentCP, str8)
	if cp.Source == "default" && hasHighBytes(str8) {
		inet := "absent"
		if v, ok := m.Props.Int(mapi.PidTagInternetCodepage); ok {
			inet = fmt.Sprintf("%d, which does not fit them", v)
		}
		note(&m.Warnings, "%s: the code page of the 8-bit strings is not known (no PidTagMessageCodepage or PidTagMessageLocaleId; PidTagInternetCodepage %s); they are read as Windows-1252", pathOrRoot(path), inet)
	}
	if depth == 0 {
		b.codePage = cp
	}
	m.Props.CodePage, m.Props.Named = cp.CodePage, b.named
	for _, r := range m.Recipients {
		r.CodePage, r.Named = cp.CodePage, b.named
	}
	for i, a := range m.Attachments {
		a.Props.CodePage, a.Props.Named = cp.CodePage, b.named
		b.readObject(a, atts[i], depth, cp.CodePage, join(path, atts[i].name), &m.Warnings)
	}
	return m
}

// readObject reads what the storage __substg1.0_3701000D of an attachment
// holds: an embedded message, or an OLE object's storage.
func (b *builder) readObject(a *mapi.Attachment, st *node, depth, cp int, path string, w *[]string) {
	method, hasMethod := a.Props.Int(mapi.PidTagAttachMethod)
	obj := st.child(objectName)
	if obj == nil || obj.stream {
		switch {
		case hasMethod && method == mapi.AttachEmbeddedMessage:
			b.warn(w, "%s: embedded message attachment without its storage %s", path, objectName)
		case hasMethod && method == mapi.AttachOLE && obj == nil:
			b.warn(w, "%s: OLE attachment without its storage %s", path, objectName)
		}
		return
	}
	objPath := join(path, obj.name)
	embedded := (hasMethod && method == mapi.AttachEmbeddedMessage) ||
		(!(hasMethod && method == mapi.AttachOLE) && obj.child(propStreamName) != nil)
	if !embedded {
		b.ole++
		b.oleObject(a, obj, objPath, w)
		return
	}
	if depth+1 > MaxDepth {
		note(w, "%s: embedded message nested deeper than %d levels; not read", objPath, MaxDepth)
		return
	}
	a.Embedded = b.readMessage(obj, headerEmbedded, depth+1, cp, objPath)
	b.embedded++
}

// readProps reads the properties of a storage: the property stream's
// entries, with each value from its entry or its stream, and the value
// streams the property stream does not list. It returns the 8-bit string
// values too, for choosing the code page.
func (b *builder) readProps(st *node, hdr int, path string, w *[]string, top bool) (mapi.Properties, propHeader, [][]byte) {
	var props mapi.Properties
	h := propHeader{-1, -1, -1, -1}
	var str8 [][]byte
	listed := make(map[mapi.Tag]bool)
	var entries []propEntry
	ps := st.child(propStreamName)
	switch {
	case ps == nil || !ps.stream:
		b.bad(w, "%s: no property stream %s; only the properties with value streams are read", pathOrRoot(path), propStreamName)
	default:
		psPath := join(path, ps.where())
		data, _ := b.readStream(ps, psPath, w)
		var pw []string
		var bad bool
		h, entries, pw, bad = parsePropertyStream(data, hdr)
		for _, x := range pw {
			note(w, "%s: %s", psPath, x)
		}
		if bad {
			b.damage++
			b.content++
		}
	}
	set := func(p *mapi.Property) bool {
		if _, dup := props.Get(p.Tag); dup {
			return false
		}
		if b.nprops >= maxProperties {
			return false
		}
		b.nprops++
		props.Set(p)
		t := p.Tag.Type()
		switch t.Base() {
		case mapi.PtypString8:
			if t.Multi() {
				str8 = append(str8, p.Values...)
			} else {
				str8 = append(str8, p.Value)
			}
			if top {
				b.ansi++
			}
		case mapi.PtypString:
			if top {
				b.unicode++
			}
		}
		return true
	}
	dups := 0
	for _, e := range entries {
		if b.nprops >= maxProperties {
			b.warn(w, "%s: more than %d properties in the file; the rest are not read", pathOrRoot(path), maxProperties)
			break
		}
		tag, t := e.Tag, e.Tag.Type()
		if listed[tag] {
			dups++
			continue
		}
		listed[tag] = true
		switch {
		case t == 0x0001: // PtypNull: no value
			continue
		case !inStream(t):
			size := t.FixedSize()
			if size == 0 || size > 8 {
				size = 8 // unknown type: keep the eight bytes as stored
				if s := st.child(substgName(tag)); s != nil && s.stream {
					if data, ok := b.readStream(s, join(path, s.where()), w); ok {
						set(&mapi.Property{Tag: tag, Value: data})
						continue
					}
				}
			}
			v := make([]byte, size)
			copy(v, e.Value[:size])
			set(&mapi.Property{Tag: tag, Value: v})
		case t.Multi():
			if p := b.readMulti(st, tag, path, w); p != nil {
				set(p)
			}
		default:
			s := st.child(substgName(tag))
			if s == nil || !s.stream {
				if t == mapi.PtypObject {
					continue // a storage: embedded message or OLE object, read with the attachment
				}
				b.bad(w, "%s: property 0x%08X is listed (entry at 0x%x) but its stream %s is missing", pathOrRoot(path), uint32(tag), e.Off, substgName(tag))
				continue
			}
			data, ok := b.readStream(s, join(path, s.where()), w)
			if !ok || !b.checkGuess(s, t, data, join(path, s.where()), w) {
				continue
			}
			set(&mapi.Property{Tag: tag, Value: trimValue(t, data)})
		}
	}
	if dups > 0 {
		b.bad(w, "%s: %d property tags are listed twice; the first entry is used", join(path, propStreamName), dups)
	}

	// value streams the property stream does not list: all the properties
	// there are when the property stream is lost, and otherwise values a
	// writer left without an entry
	var unlisted []string
	for _, c := range st.children {
		tag, ok := parseSubstg(c.name)
		if !ok || listed[tag] || !c.stream {
			continue
		}
		t := tag.Type()
		if !knownType(t) || !inStream(t) {
			continue
		}
		listed[tag] = true
		var p *mapi.Property
		if t.Multi() {
			p = b.readMulti(st, tag, path, w)
		} else if data, ok := b.readStream(c, join(path, c.where()), w); ok && b.checkGuess(c, t, data, join(path, c.where()), w) {
			p = &mapi.Property{Tag: tag, Value: trimValue(t, data)}
		}
		if p != nil && set(p) {
			unlisted = append(unlisted, fmt.Sprintf("0x%08X", uint32(tag)))
		}
	}
	if len(unlisted) > 0 && len(entries) > 0 {
		note(w, "%s: %d value streams not listed in the property stream were read too (%s)", pathOrRoot(path), len(unlisted), summarize(unlisted, 8))
	}
	return props, h, str8
}

// readMulti reads a multi-valued property (MS-OXMSG section 2.1.4):
// fixed-size values packed in one stream; variable-size ones with a
// stream of lengths (4 bytes each, 8 for binary) and a stream per value.
func (b *builder) readMulti(st *node, tag mapi.Tag, path string, w *[]string) *mapi.Property {
	base := tag.Type().Base()
	s := st.child(substgName(tag))
	if s == nil || !s.stream {
		b.bad(w, "%s: multi-valued property 0x%08X is listed but its stream %s is missing", pathOrRoot(path), uint32(tag), substgName(tag))
		return nil
	}
	data, ok := b.readStream(s, join(path, s.where()), w)
	if !ok {
		return nil
	}
	p := &mapi.Property{Tag: tag}
	if size := base.FixedSize(); size > 0 {
		if len(data)%size != 0 {
			b.bad(w, "%s: %d bytes is not a whole number of %d-byte values", join(path, s.name), len(data), size)
		}
		n := min(len(data)/size, maxValues)
		p.Values = make([][]byte, n)
		for i := range p.Values {
			p.Values[i] = data[i*size : (i+1)*size]
		}
		return p
	}
	step := 4
	if base == mapi.PtypBinary {
		step = 8
	}
	n := len(data) / step
	if n > maxValues {
		b.warn(w, "%s: %d values; only the first %d are read", join(path, s.name), n, maxValues)
		n = maxValues
	}
	p.Values = make([][]byte, 0, n)
	missing := 0
	for i := 0; i < n; i++ {
		vs := st.child(valueStreamName(tag, i))
		if vs == nil || !vs.stream {
			missing++
			p.Values = append(p.Values, nil)
			continue
		}
		v, _ := b.readStream(vs, join(path, vs.where()), w)
		if want := int64(binary.LittleEndian.Uint32(data[i*step:])); want != int64(len(v)) && base == mapi.PtypBinary {
			note(w, "%s: %d bytes; the lengths stream says %d", join(path, vs.name), len(v), want)
		}
		p.Values = append(p.Values, trimValue(base, v))
	}
	if missing > 0 {
		b.bad(w, "%s: %d of the %d value streams are missing; their values are left empty", join(path, s.name), missing, n)
	}
	return p
}

func hasHighBytes(vals [][]byte) bool {
	for _, v := range vals {
		for _, c := range v {
			if c >= 0x80 {
				return true
			}
		}
	}
	return false
}

// trimValue drops the terminating NULs of a string value (mapi keeps
// strings without them).
func trimValue(t mapi.PropType, v []byte) []byte {
	switch t.Base() {
	case mapi.PtypString:
		for len(v) >= 2 && v[len(v)-1] == 0 && v[len(v)-2] == 0 && len(v)%2 == 0 {
			v = v[:len(v)-2]
		}
	case mapi.PtypString8:
		for len(v) > 0 && v[len(v)-1] == 0 {
			v = v[:len(v)-1]
		}
	}
	return v
}

func join(path, name string) string {
	if path == "" {
		return printable(name)
	}
	return path + "/" + printable(name)
}

func pathOrRoot(path string) string {
	if path == "" {
		return "root storage"
	}
	return path
}

func summarize(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:n], ", ") + fmt.Sprintf(", and %d more", len(list)-n)
}
