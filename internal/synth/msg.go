package synth

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// An Outlook .msg writer (MS-OXMSG): one item as a compound file. The
// message's properties are in the root storage, each recipient in a
// "__recip_version1.0_#XXXXXXXX" storage, each attachment in an
// "__attach_version1.0_#XXXXXXXX" storage, an embedded message in the
// "__substg1.0_3701000D" storage of its attachment, and the names of the
// named properties of all of them in "__nameid_version1.0".

// ErrMSG is wrapped by the errors MSG returns for a message it cannot
// write.
var ErrMSG = errors.New("synth: cannot write .msg")

// Storage and stream names (MS-OXMSG sections 2.2 and 2.4).
const (
	msgPropStream     = "__properties_version1.0"
	msgRecipPrefix    = "__recip_version1.0_#"
	msgAttachPrefix   = "__attach_version1.0_#"
	msgEmbeddedName   = "__substg1.0_3701000D"
	msgNameIDStorage  = "__nameid_version1.0"
	msgGUIDStream     = "__substg1.0_00020102"
	msgEntryStream    = "__substg1.0_00030102"
	msgStringStream   = "__substg1.0_00040102"
	msgMaxObjects     = 2048 // recipients, and attachments, of one message (sections 2.2.1, 2.2.2)
	msgHeaderTop      = 32
	msgHeaderEmbedded = 24
	msgHeaderSub      = 8
	// PROPATTR_READABLE | PROPATTR_WRITABLE (section 2.4.2.1)
	msgPropFlags = 0x2 | 0x4
)

var tagAttachDataObject = mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypObject)

// MSG writes m as an Outlook .msg file (MS-OXMSG over MS-CFB; see CFB).
//
// Every property of the message, of its recipients and attachments, and
// of the embedded messages below them (Attachment.Embedded, at any depth)
// is written: fixed-size values in the 16-byte entries of the property
// streams (section 2.4.2.1), the others in "__substg1.0_TTTTTTTT" streams
// (section 2.1.3): PtypString as UTF-16LE and PtypString8 as stored,
// without their terminators, which the Size of their entries counts
// (section 2.4.2.2); PtypBinary and PtypGuid as they are. Multi-valued
// properties follow section 2.1.4: fixed-size values packed in one stream,
// variable-size ones as a lengths stream and one stream per value, strings
// there with their terminators.
//
// Properties with ids 0x8000 and above are named properties: their names
// come from Properties.Named, and each distinct name gets one id for the
// whole file, numbered from 0x8000 in the order of the ids they had (so
// the ids of a message read from a .msg, dense from 0x8000, are kept),
// at most 0x7FFF of them, listed in the named property
// mapping storage (section 2.2.3) with its GUID, entry, string and hash
// streams.
//
// A PtypObject property can only be the embedded message of an
// attachment (PidTagAttachDataObject with Attachment.Embedded set); an
// OLE storage cannot be written.
func MSG(m *mapi.Message) ([]byte, error) {
	entries, err := MSGEntries(m)
	if err != nil {
		return nil, err
	}
	return CFB(entries)
}

// MSGEntries returns the streams and storages of the root storage of the
// .msg file that MSG writes, for callers that want to change them before
// calling CFB (to damage a fixture, or to add a stream).
func MSGEntries(m *mapi.Message) ([]*CFBEntry, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: nil message", ErrMSG)
	}
	w := &msgWriter{}
	if err := w.collectNames(m, "", 0); err != nil {
		return nil, err
	}
	if err := w.numberNames(); err != nil {
		return nil, err
	}
	entries, err := w.message(m, msgHeaderTop, "")
	if err != nil {
		return nil, err
	}
	return append(entries, w.nameIDStorage()), nil
}

type msgWriter struct {
	seen  []namedUse                      // named properties in the order met
	ids   map[mapi.NamedProperty]uint16   // their ids in the file
	names []mapi.NamedProperty            // by id - 0x8000
	order map[mapi.NamedProperty]namedUse // first use of each
}

type namedUse struct {
	np    mapi.NamedProperty
	id    uint16 // the id it had
	order int
}

// maxMSGDepth bounds the nesting of embedded messages written.
const maxMSGDepth = 64

// canonicalName makes a NamedProperty usable as a map key: a string name
// has no LID.
func canonicalName(np mapi.NamedProperty) mapi.NamedProperty {
	if np.Name != "" {
		np.LID = 0
	}
	return np
}

// collectNames finds the named properties of m and everything below it.
func (w *msgWriter) collectNames(m *mapi.Message, path string, depth int) error {
	if depth > maxMSGDepth {
		return fmt.Errorf("%w: %s: embedded messages nested deeper than %d", ErrMSG, pathOr(path), maxMSGDepth)
	}
	if w.order == nil {
		w.order = make(map[mapi.NamedProperty]namedUse)
	}
	props := func(p *mapi.Properties, where string) error {
		for _, tag := range p.Tags() {
			if tag.ID() < 0x8000 {
				continue
			}
			np, ok := p.Named[tag.ID()]
			if !ok {
				return fmt.Errorf("%w: %s: property %s has an id of a named property but no name in Properties.Named", ErrMSG, where, tag)
			}
			np = canonicalName(np)
			if _, ok := w.order[np]; !ok {
				u := namedUse{np: np, id: tag.ID(), order: len(w.seen)}
				w.order[np] = u
				w.seen = append(w.seen, u)
			}
		}
		return nil
	}
	if err := props(&m.Props, pathOr(path)); err != nil {
		return err
	}
	for i, r := range m.Recipients {
		if r == nil {
			return fmt.Errorf("%w: %s: recipient %d is nil", ErrMSG, pathOr(path), i)
		}
		if err := props(r, join(path, fmt.Sprintf("%s%08X", msgRecipPrefix, i))); err != nil {
			return err
		}
	}
	for i, a := range m.Attachments {
		if a == nil {
			return fmt.Errorf("%w: %s: attachment %d is nil", ErrMSG, pathOr(path), i)
		}
		ap := join(path, fmt.Sprintf("%s%08X", msgAttachPrefix, i))
		if err := props(&a.Props, ap); err != nil {
			return err
		}
		if a.Embedded != nil {
			if err := w.collectNames(a.Embedded, join(ap, msgEmbeddedName), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// numberNames gives each named property its id in the file: 0x8000 on,
// in the order of the ids they had, then of first use.
func (w *msgWriter) numberNames() error {
	if len(w.seen) > 0x7FFF {
		return fmt.Errorf("%w: %d named properties; ids from 0x8000 to 0xFFFE number %d", ErrMSG, len(w.seen), 0x7FFF)
	}
	uses := slices.Clone(w.seen)
	slices.SortFunc(uses, func(a, b namedUse) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.order, b.order))
	})
	w.ids = make(map[mapi.NamedProperty]uint16, len(uses))
	w.names = w.names[:0]
	for i, u := range uses {
		w.ids[u.np] = uint16(0x8000 + i)
		w.names = append(w.names, u.np)
	}
	return nil
}

func pathOr(path string) string {
	if path == "" {
		return "root storage"
	}
	return path
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

// message returns the entries of a message storage: its property stream
// (with a header of hdr bytes), value streams, recipient and attachment
// storages.
func (w *msgWriter) message(m *mapi.Message, hdr int, path string) ([]*CFBEntry, error) {
	if len(m.Recipients) > msgMaxObjects || len(m.Attachments) > msgMaxObjects {
		return nil, fmt.Errorf("%w: %s: %d recipients and %d attachments; a .msg holds at most %d of each",
			ErrMSG, pathOr(path), len(m.Recipients), len(m.Attachments), msgMaxObjects)
	}
	head := make([]byte, hdr)
	// 8 reserved bytes, then (MS-OXMSG section 2.4.1.1) the next recipient
	// and attachment ids and the counts; 8 more reserved at the top level
	binary.LittleEndian.PutUint32(head[8:], uint32(len(m.Recipients)))
	binary.LittleEndian.PutUint32(head[12:], uint32(len(m.Attachments)))
	binary.LittleEndian.PutUint32(head[16:], uint32(len(m.Recipients)))
	binary.LittleEndian.PutUint32(head[20:], uint32(len(m.Attachments)))
	out, err := w.props(&m.Props, head, path, false)
	if err != nil {
		return nil, err
	}
	for i, r := range m.Recipients {
		name := fmt.Sprintf("%s%08X", msgRecipPrefix, i)
		kids, err := w.props(r, make([]byte, msgHeaderSub), join(path, name), false)
		if err != nil {
			return nil, err
		}
		out = append(out, CFBStorage(name, kids...))
	}
	for i, a := range m.Attachments {
		name := fmt.Sprintf("%s%08X", msgAttachPrefix, i)
		ap := join(path, name)
		kids, err := w.props(&a.Props, make([]byte, msgHeaderSub), ap, a.Embedded != nil)
		if err != nil {
			return nil, err
		}
		if a.Embedded != nil {
			sub, err := w.message(a.Embedded, msgHeaderEmbedded, join(ap, msgEmbeddedName))
			if err != nil {
				return nil, err
			}
			kids = append(kids, CFBStorage(msgEmbeddedName, sub...))
		}
		out = append(out, CFBStorage(name, kids...))
	}
	return out, nil
}

// msgEntry is a 16-byte property stream entry.
type msgEntry [16]byte

// props returns a property stream (head, then the entries of p ordered by
// tag) and the value streams of p. For the storage of an attachment that
// is an embedded message, the entry of PidTagAttachDataObject is added,
// and that property, if p has it, is not written otherwise.
func (w *msgWriter) props(p *mapi.Properties, head []byte, path string, embedded bool) ([]*CFBEntry, error) {
	type written struct {
		tag     mapi.Tag
		entry   msgEntry
		streams []*CFBEntry
	}
	var all []written
	for _, tag := range p.Tags() {
		prop, _ := p.Get(tag)
		t := tag.Type()
		if tag == tagAttachDataObject && embedded {
			continue // the embedded message, written as a storage
		}
		if tag.ID() >= 0x8000 {
			tag = mapi.NewTag(w.ids[canonicalName(p.Named[tag.ID()])], t)
		}
		var e msgEntry
		binary.LittleEndian.PutUint32(e[0:], uint32(tag))
		binary.LittleEndian.PutUint32(e[4:], msgPropFlags)
		x := written{tag: tag}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s: property %s: %s", ErrMSG, pathOr(path), prop.Tag, fmt.Sprintf(format, args...))
		}
		switch {
		case t == mapi.PtypObject:
			return nil, bad("a PtypObject value can only be an attachment's embedded message (Attachment.Embedded)")
		case t.Multi():
			if !msgMultiType(t.Base()) {
				return nil, bad("type 0x%04X cannot be multi-valued", uint16(t))
			}
			if size := t.Base().FixedSize(); size > 0 {
				// section 2.1.4.1: the values one after the other
				var v []byte
				for i, x := range prop.Values {
					if len(x) != size {
						return nil, bad("value %d is %d bytes, not %d", i, len(x), size)
					}
					v = append(v, x...)
				}
				binary.LittleEndian.PutUint32(e[8:], uint32(len(v)))
				x.streams = append(x.streams, CFBStream(msgSubstg(tag), v))
				break
			}
			// section 2.1.4.2: a lengths stream, a stream per value
			var lengths []byte
			for i, v := range prop.Values {
				switch t.Base() {
				case mapi.PtypString:
					v = append(slices.Clip(v), 0, 0)
				case mapi.PtypString8:
					v = append(slices.Clip(v), 0)
				}
				lengths = binary.LittleEndian.AppendUint32(lengths, uint32(len(v)))
				if t.Base() == mapi.PtypBinary {
					lengths = binary.LittleEndian.AppendUint32(lengths, 0) // reserved
				}
				x.streams = append(x.streams, CFBStream(fmt.Sprintf("%s-%08X", msgSubstg(tag), i), v))
			}
			binary.LittleEndian.PutUint32(e[8:], uint32(len(lengths)))
			x.streams = append([]*CFBEntry{CFBStream(msgSubstg(tag), lengths)}, x.streams...)
		case msgInStream(t):
			// the stream holds the value without a terminator; Size
			// counts the terminator (section 2.4.2.2)
			size := len(prop.Value)
			switch t {
			case mapi.PtypString:
				size += 2
			case mapi.PtypString8:
				size++
			case mapi.PtypGuid:
				if len(prop.Value) != 16 {
					return nil, bad("a GUID of %d bytes", len(prop.Value))
				}
			}
			binary.LittleEndian.PutUint32(e[8:], uint32(size))
			x.streams = append(x.streams, CFBStream(msgSubstg(tag), prop.Value))
		case t.FixedSize() > 0 || t == 0x0001: // PtypNull: no value
			if len(prop.Value) > 8 {
				return nil, bad("a fixed-size value of %d bytes", len(prop.Value))
			}
			copy(e[8:], prop.Value)
		default:
			return nil, bad("unknown property type 0x%04X", uint16(t))
		}
		x.entry = e
		all = append(all, x)
	}
	if embedded {
		// the embedded message's entry: its Size is 0xFFFFFFFF (section
		// 2.4.2.2); its value is the storage next to the property stream
		var e msgEntry
		binary.LittleEndian.PutUint32(e[0:], uint32(tagAttachDataObject))
		binary.LittleEndian.PutUint32(e[4:], msgPropFlags)
		binary.LittleEndian.PutUint32(e[8:], 0xFFFFFFFF)
		all = append(all, written{tag: tagAttachDataObject, entry: e})
	}
	slices.SortFunc(all, func(a, b written) int { return cmp.Compare(a.tag, b.tag) })
	for i := 1; i < len(all); i++ {
		if all[i].tag == all[i-1].tag {
			return nil, fmt.Errorf("%w: %s: two properties have the tag %s (named properties of one name?)", ErrMSG, pathOr(path), all[i].tag)
		}
	}
	ps := slices.Clip(head)
	var streams []*CFBEntry
	for _, x := range all {
		ps = append(ps, x.entry[:]...)
		streams = append(streams, x.streams...)
	}
	return append([]*CFBEntry{CFBStream(msgPropStream, ps)}, streams...), nil
}

func msgSubstg(tag mapi.Tag) string { return fmt.Sprintf("__substg1.0_%08X", uint32(tag)) }

// msgInStream reports whether a single value of type t is kept in a
// stream of its own (MS-OXMSG section 2.1.3).
func msgInStream(t mapi.PropType) bool {
	switch t {
	case mapi.PtypString, mapi.PtypString8, mapi.PtypBinary, mapi.PtypGuid,
		mapi.PtypServerID, mapi.PtypRestriction, mapi.PtypRuleAction:
		return true
	}
	return false
}

// msgMultiType reports whether t can be the base of a multi-valued type
// (MS-OXCDATA section 2.11.1).
func msgMultiType(t mapi.PropType) bool {
	switch t {
	case mapi.PtypInteger16, mapi.PtypInteger32, mapi.PtypFloating32, mapi.PtypFloating64,
		mapi.PtypCurrency, mapi.PtypFloatingTime, mapi.PtypInteger64, mapi.PtypTime,
		mapi.PtypGuid, mapi.PtypString, mapi.PtypString8, mapi.PtypBinary:
		return true
	}
	return false
}

// nameIDStorage builds the named property mapping storage (MS-OXMSG
// section 2.2.3): the streams of nameIDStreams, a name's entry in one of
// 31 buckets (section 2.2.3.2).
func (w *msgWriter) nameIDStorage() *CFBEntry {
	guids, entries, strs, buckets := nameIDStreams(w.names, func(hash, gi, kind, _ uint32) uint32 {
		return 0x1000 + (hash^(gi<<1|kind))%0x1F
	})
	kids := []*CFBEntry{
		CFBStream(msgGUIDStream, guids),
		CFBStream(msgEntryStream, entries),
		CFBStream(msgStringStream, strs),
	}
	for _, id := range slices.Sorted(maps.Keys(buckets)) {
		kids = append(kids, CFBStream(fmt.Sprintf("__substg1.0_%04X0102", id), buckets[id]))
	}
	return CFBStorage(msgNameIDStorage, kids...)
}

// nameIDStreams encodes named properties (ids 0x8000 + their index) as
// .msg files and PSTs both store them (MS-OXMSG 2.2.3, MS-PST 2.4.7): the
// GUID stream (GUIDs other than PS_MAPI and PS_PUBLIC_STRINGS, which have
// the indexes 1 and 2), the entry stream (key and info of each), the
// string stream (names, each after its length, padded to 4 bytes) and the
// hash buckets, bucket choosing each entry's: a LID is its own hash, a
// name hashes to the CRC-32 of its UTF-16LE bytes as Outlook computes it
// (plainCRC32; checked against Outlook's files).
func nameIDStreams(names []mapi.NamedProperty, bucket func(hash, gi, kind, info uint32) uint32) (guids, entries, strs []byte, buckets map[uint32][]byte) {
	guidIndex := map[[16]byte]uint32{mapi.PSMAPI: 1, mapi.PSPUBLICSTRINGS: 2}
	buckets = map[uint32][]byte{}
	for i, np := range names {
		gi, ok := guidIndex[np.GUID]
		if !ok {
			gi = uint32(3 + len(guids)/16)
			guidIndex[np.GUID] = gi
			guids = append(guids, np.GUID[:]...)
		}
		var kind, key, hash uint32
		if np.Name != "" {
			kind = 1
			name := mapi.EncodeUTF16(np.Name)
			key = uint32(len(strs))
			strs = binary.LittleEndian.AppendUint32(strs, uint32(len(name)))
			strs = append(strs, name...)
			for len(strs)%4 != 0 {
				strs = append(strs, 0)
			}
			hash = plainCRC32(name)
		} else {
			key, hash = np.LID, np.LID
		}
		info := uint32(i)<<16 | gi<<1 | kind
		entries = binary.LittleEndian.AppendUint32(entries, key)
		entries = binary.LittleEndian.AppendUint32(entries, info)
		b := bucket(hash, gi, kind, info)
		buckets[b] = binary.LittleEndian.AppendUint32(buckets[b], hash)
		buckets[b] = binary.LittleEndian.AppendUint32(buckets[b], info)
	}
	return guids, entries, strs, buckets
}
