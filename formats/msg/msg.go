package msg

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// Errors NewFile returns, wrapped in a *FormatError where there is an
// offset to give.
var (
	// ErrFormat: the file is not a compound file, or nothing of its
	// structure could be read.
	ErrFormat = errors.New("not a readable compound file")
	// ErrNotMessage: a compound file, but not an Outlook item (a Word or
	// Excel file, a Thumbs.db), or one whose message storage is lost.
	ErrNotMessage = errors.New("no Outlook message in the compound file")
)

// FormatError says where a file stopped being readable and why.
type FormatError struct {
	Off int64  // byte offset in the file
	Msg string // what was wrong there
	Err error  // ErrFormat or ErrNotMessage; ErrFormat when nil
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("msg: %s (at 0x%x)", e.Msg, e.Off)
}

func (e *FormatError) Unwrap() error {
	if e.Err == nil {
		return ErrFormat
	}
	return e.Err
}

// File is an opened .msg file.
type File struct {
	// Message is the top-level item, its recipients and attachments, and
	// the embedded messages of those, down to MaxDepth.
	Message *mapi.Message
	// Class is the item's message class (PidTagMessageClass).
	Class string
	// CodePage is the code page of the top-level item's 8-bit strings,
	// and CodePageSource where it was found: "message"
	// (PidTagMessageCodepage), "internet" (PidTagInternetCodepage mapped to
	// its Windows code page), "locale" (PidTagMessageLocaleId) or
	// "default" (1252).
	CodePage       int
	CodePageSource string
	// Unicode is true when the item's strings are stored as PtypString
	// (UTF-16), false when as PtypString8 (an ANSI .msg).
	Unicode bool
	// Streams counts the streams of the compound file.
	Streams int
	// Embedded counts the embedded messages read, at every depth, and
	// OLE the OLE object storages of attachments.
	Embedded, OLE int
	// Recovered is true when mscfb could not read the compound file (or
	// one of its streams) and the tolerant walk of cfbscan.go did.
	Recovered bool
	// Damaged is true when something could not be read: a structure, a
	// stream, a property. Message.Warnings (and those of embedded
	// messages) say what.
	Damaged bool
	// StrictErr is why mscfb did not serve, when Recovered.
	StrictErr error

	nprops     int
	damage     int // warnings of damage
	content    int // of those, damage to the .msg content
	readFailed bool
}

// Read reads the top-level item of a .msg file of size bytes.
func Read(r io.ReaderAt, size int64) (*mapi.Message, error) {
	f, err := NewFile(r, size)
	if err != nil {
		return nil, err
	}
	return f.Message, nil
}

// NewFile reads a .msg file of size bytes. A sound compound file is read
// with mscfb; one mscfb refuses or cannot read a stream of is read again
// by the tolerant walk (see cfbscan.go), and what survives is returned
// with Recovered and Damaged set and warnings naming the damage. The
// error is a *FormatError when nothing usable survives.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 512 {
		return nil, &FormatError{Off: 0, Msg: fmt.Sprintf("%d bytes, too short for a compound file (its header is 512 bytes)", size)}
	}
	var first *File
	var strictErr error
	var scf *compound
	var serr error
	if tooDeepForStrict(r, size) {
		serr = fmt.Errorf("storages nested deeper than %d levels", maxStorageDepth)
	} else {
		scf, serr = openStrict(r, size)
	}
	if cf, err := scf, serr; err != nil {
		strictErr = fmt.Errorf("mscfb could not read it (%w)", err)
	} else {
		f, err := build(cf)
		switch {
		case err != nil:
			strictErr = err
		case !f.readFailed && f.content == 0:
			return f, nil
		case f.readFailed:
			first, strictErr = f, errors.New("mscfb could not read one of its streams whole")
		default:
			// mscfb follows chains it does not check: a zeroed mini FAT
			// reads as garbage without an error. Damage at the .msg level
			// is reason enough to try the tolerant walk too.
			first, strictErr = f, errors.New("what mscfb read of it is damaged at the .msg level")
		}
	}
	cf, err := openTolerant(r, size)
	if err != nil {
		if first != nil {
			return first, nil
		}
		if errors.Is(strictErr, ErrNotMessage) {
			return nil, strictErr
		}
		return nil, err
	}
	f, err := build(cf)
	if err != nil {
		if first != nil {
			return first, nil
		}
		if cf.damaged {
			return nil, &FormatError{Off: 0, Msg: fmt.Sprintf("no property of the message survives the damage to the compound file (%s)", damageSummary(cf.warnings)), Err: ErrFormat}
		}
		return nil, err
	}
	if first != nil && !first.readFailed && !betterThan(f, first) {
		return first, nil
	}
	if first != nil && first.readFailed && betterThan(first, f) {
		return first, nil
	}
	f.Recovered, f.StrictErr = true, strictErr
	var ws []string
	if cf.damaged {
		ws = append(ws, fmt.Sprintf("compound file: %v; read by the tolerant walk", strictErr))
	} else {
		ws = append(ws, fmt.Sprintf("compound file: %v; read by the tolerant walk, which found no damage", strictErr))
	}
	for _, w := range cf.warnings {
		ws = append(ws, "compound file: "+w)
	}
	f.Message.Warnings = append(ws, f.Message.Warnings...)
	f.Damaged = f.Damaged || cf.damaged
	return f, nil
}

// betterThan reports whether reading a beats reading b: less damage to
// the .msg content, or as little and more properties.
func betterThan(a, b *File) bool {
	if a.content != b.content {
		return a.content < b.content
	}
	return a.nprops > b.nprops
}

// damageSummary names the first problems the tolerant walk found.
func damageSummary(ws []string) string {
	if len(ws) <= 2 {
		return strings.Join(ws, "; ")
	}
	return strings.Join(ws[:2], "; ") + fmt.Sprintf("; and %d more", len(ws)-2)
}

// build reads the message in a compound file.
func build(cf *compound) (*File, error) {
	root := cf.root
	if root.child(propStreamName) == nil && !hasValueStreams(root) {
		var names []string
		for _, c := range root.children {
			names = append(names, printable(c.name))
		}
		sort.Strings(names)
		desc := "it is empty"
		if len(names) > 0 {
			desc = "it holds " + summarize(names, 6)
		}
		return nil, &FormatError{Off: 0, Msg: "the root storage has no " + propStreamName + " and no property value streams; " + desc, Err: ErrNotMessage}
	}
	b := &builder{cf: cf, budget: 4*cf.size + 1<<20, named: make(map[uint16]mapi.NamedProperty)}
	var top []string
	if nid := root.child(nameidStorage); nid != nil && !nid.stream {
		read := func(name string) []byte {
			s := nid.child(name)
			if s == nil || !s.stream {
				b.warn(&top, "%s: stream %s missing", nameidStorage, name)
				return nil
			}
			data, _ := b.readStream(s, join(nameidStorage, s.where()), &top)
			return data
		}
		g, e, s := read(guidStream), read(entryStream), read(stringStream)
		named, ws := parseNameID(g, e, s)
		for _, w := range ws {
			b.warn(&top, "%s: %s", nameidStorage, w)
		}
		b.named = named
	}
	m := b.readMessage(root, headerTopLevel, 0, 0, "")
	m.Warnings = append(top, m.Warnings...)
	if m.Props.Len() == 0 {
		return nil, &FormatError{Off: 0, Msg: "no property of the message could be read", Err: ErrNotMessage}
	}
	f := &File{
		Message:        m,
		Class:          m.Class(),
		CodePage:       b.codePage.CodePage,
		CodePageSource: b.codePage.Source,
		Unicode:        b.unicode >= b.ansi && b.unicode > 0,
		Streams:        cf.streams,
		Embedded:       b.embedded,
		OLE:            b.ole,
		Damaged:        b.damage > 0,
		damage:         b.damage,
		content:        b.content,
		nprops:         b.nprops,
		readFailed:     b.readFailed,
	}
	if b.unicode == 0 && b.ansi == 0 {
		f.Unicode = true // no strings at all: nothing says ANSI
	}
	return f, nil
}

// hasValueStreams reports whether a storage has __substg1.0_ streams.
func hasValueStreams(st *node) bool {
	for _, c := range st.children {
		if c.stream && strings.HasPrefix(key(c.name), "__SUBSTG1.0_") {
			return true
		}
	}
	return false
}

// Warnings returns the warnings of the message and of every embedded
// message below it, in order.
func Warnings(m *mapi.Message) []string {
	var out []string
	var walk func(m *mapi.Message, depth int)
	walk = func(m *mapi.Message, depth int) {
		out = append(out, m.Warnings...)
		if depth >= MaxDepth {
			return
		}
		for _, a := range m.Attachments {
			if a.Embedded != nil {
				walk(a.Embedded, depth+1)
			}
		}
	}
	if m != nil {
		walk(m, 0)
	}
	return out
}
