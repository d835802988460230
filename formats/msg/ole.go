package msg

import (
	"bytes"
	"encoding/binary"
	"sort"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// OLE attachments (PidTagAttachMethod afStorage, MS-OXCMSG section
// 2.2.2.9) keep an OLE object's storage under __substg1.0_3701000D: the
// streams of an embedded document ("WordDocument", "Workbook"...) or of
// a packaged file ("\x01Ole10Native"). A storage cannot go into an .eml as
// it is; what a mail client would show is the file inside it. So the
// payload of a packaged file, or a "CONTENTS" or "Package" stream, becomes
// the attachment's PidTagAttachDataBinary, with a warning; anything else
// is named in a warning and left out.

// oleNative is a packaged file in an "\x01Ole10Native" stream: the OLE 1.0
// native data of the Packager, a 4-byte size and then a 2-byte type, the
// label and the original path as NUL-terminated ANSI strings, 4 reserved
// bytes, the temporary path with its 4-byte length, the file with its
// 4-byte length, and optionally the three paths again in UTF-16.
type oleNative struct {
	Label, Path string // the file's label and original path
	Data        []byte
	Packaged    bool // false: Data is another OLE 1.0 object's native data
}

// parseOle10Native reads an "\x01Ole10Native" stream. It never fails: what
// does not parse as a packaged file is returned as native data.
func parseOle10Native(b []byte, cp int) oleNative {
	if len(b) < 4 {
		return oleNative{Data: b}
	}
	size := int64(binary.LittleEndian.Uint32(b))
	native := b[4:]
	if size < int64(len(native)) {
		native = native[:size]
	}
	out := oleNative{Data: native}
	r := native
	take := func(n int) ([]byte, bool) {
		if n < 0 || n > len(r) {
			return nil, false
		}
		v := r[:n]
		r = r[n:]
		return v, true
	}
	cstr := func() (string, bool) {
		i := bytes.IndexByte(r, 0)
		if i < 0 || i > 1024 {
			return "", false
		}
		s := mapi.DecodeString8(r[:i], cp)
		r = r[i+1:]
		return s, true
	}
	u32 := func() (int, bool) {
		v, ok := take(4)
		if !ok {
			return 0, false
		}
		return int(binary.LittleEndian.Uint32(v)), true
	}
	if _, ok := take(2); !ok {
		return out
	}
	label, ok1 := cstr()
	path, ok2 := cstr()
	_, ok3 := take(4)
	tlen, ok4 := u32()
	_, ok5 := take(tlen)
	dlen, ok6 := u32()
	data, ok7 := take(dlen)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return out
	}
	out = oleNative{Label: label, Path: path, Data: data, Packaged: true}
	// the UTF-16 copies, where a newer Packager wrote them
	ustr := func() (string, bool) {
		n, ok := u32()
		if !ok || n > len(r)/2 {
			return "", false
		}
		v, _ := take(2 * n)
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(v[2*i:])
		}
		return string(utf16.Decode(u)), true
	}
	if _, ok := ustr(); ok {
		if l, ok := ustr(); ok && l != "" {
			out.Label = l
			if p, ok := ustr(); ok && p != "" {
				out.Path = p
			}
		}
	}
	return out
}

// oleObject puts the file an OLE attachment holds into its
// PidTagAttachDataBinary.
func (b *builder) oleObject(a *mapi.Attachment, obj *node, path string, w *[]string) {
	setData := func(data []byte) {
		a.Props.SetBinary(mapi.PidTagAttachDataBinary, data)
	}
	if s := obj.child("\x01Ole10Native"); s != nil && s.stream {
		data, ok := b.readStream(s, join(path, s.where()), w)
		if ok {
			n := parseOle10Native(data, a.Props.CodePage)
			setData(n.Data)
			if !n.Packaged {
				note(w, "%s: OLE attachment; the OLE 1.0 native data (%d bytes) of its \\x01Ole10Native stream is exported as the attachment data", path, len(n.Data))
				return
			}
			name := baseName(n.Path)
			if name == "" {
				name = n.Label
			}
			_, hasLong := a.Props.String(mapi.PidTagAttachLongFilename)
			_, hasShort := a.Props.String(mapi.PidTagAttachFilename)
			if name != "" && !hasLong && !hasShort {
				a.Props.SetString(mapi.PidTagAttachLongFilename, name)
			}
			note(w, "%s: OLE attachment; the packaged file %q (%d bytes) of its \\x01Ole10Native stream is exported as the attachment data", path, name, len(n.Data))
			return
		}
	}
	for _, name := range []string{"CONTENTS", "Package"} {
		if s := obj.child(name); s != nil && s.stream {
			if data, ok := b.readStream(s, join(path, s.where()), w); ok {
				setData(data)
				note(w, "%s: OLE attachment; its %s stream (%d bytes) is exported as the attachment data", path, name, len(data))
				return
			}
		}
	}
	var names []string
	for _, c := range obj.children {
		names = append(names, printable(c.name))
	}
	sort.Strings(names)
	note(w, "%s: OLE attachment whose storage (%s) holds no packaged file; not exported", path, summarize(names, 8))
}

// baseName is the last element of a Windows or Unix path.
func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '\\' || p[i] == '/' || p[i] == ':' {
			return p[i+1:]
		}
	}
	return p
}
