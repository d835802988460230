package msg

import (
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"unicode/utf16"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
)

// A tiny compound file writer (MS-CFB, version 3 with 512-byte sectors or
// version 4 with 4096-byte ones) and
// .msg builder for the tests and the fuzz seeds: small files we own,
// with layouts we choose.

// item is a stream or a storage to write.
type item struct {
	name     string
	dir      bool
	data     []byte
	children []*item
}

func stream(name string, data []byte) *item { return &item{name: name, data: data} }

func storage(name string, children ...*item) *item {
	return &item{name: name, dir: true, children: children}
}

// cfbOptions shape the layout.
type cfbOptions struct {
	// Scatter allocates the sectors of every chain in a random order, as
	// a file that was edited many times has them.
	Scatter *rand.Rand
	// Sector4K writes a version 4 file with 4096-byte sectors.
	Sector4K bool
}

// cfbLayout says where the writer put things, for damage tests.
type cfbLayout struct {
	FATSecs     []uint32
	DirSecs     []uint32
	MiniFATSecs []uint32
	MiniSecs    []uint32
	Entries     map[string]int // entry id by name (first of each name)
}

type wEntry struct {
	name               []uint16
	typ                byte
	left, right, child uint32
	start              uint32
	size               uint32
	data               []byte
}

// writeCFB writes a compound file whose root storage holds children.
func writeCFB(children []*item, opt cfbOptions) ([]byte, cfbLayout) {
	var entries []*wEntry
	lay := cfbLayout{Entries: map[string]int{}}
	var add func(it *item, typ byte) uint32
	add = func(it *item, typ byte) uint32 {
		id := uint32(len(entries))
		e := &wEntry{name: utf16.Encode([]rune(it.name)), typ: typ, left: noStream, right: noStream, child: noStream, data: it.data}
		entries = append(entries, e)
		if _, ok := lay.Entries[it.name]; !ok {
			lay.Entries[it.name] = int(id)
		}
		if typ != 2 {
			var ids []uint32
			for _, c := range it.children {
				t := byte(2)
				if c.dir {
					t = 1
				}
				ids = append(ids, add(c, t))
			}
			sort.Slice(ids, func(i, j int) bool { return cmpNames(entries[ids[i]].name, entries[ids[j]].name) < 0 })
			var tree func(ids []uint32) uint32
			tree = func(ids []uint32) uint32 {
				if len(ids) == 0 {
					return noStream
				}
				mid := len(ids) / 2
				entries[ids[mid]].left = tree(ids[:mid])
				entries[ids[mid]].right = tree(ids[mid+1:])
				return ids[mid]
			}
			e.child = tree(ids)
		}
		return id
	}
	add(&item{name: "Root Entry", dir: true, children: children}, 5)

	// the mini stream holds the streams under 4096 bytes
	var mini []byte
	var miniFAT []uint32
	var big []*wEntry
	for _, e := range entries[1:] {
		if e.typ != 2 {
			continue
		}
		e.size = uint32(len(e.data))
		switch {
		case len(e.data) == 0:
			e.start = endOfChain
		case len(e.data) < miniCutoff:
			e.start = uint32(len(mini) / miniSectorSize)
			units := (len(e.data) + miniSectorSize - 1) / miniSectorSize
			for i := 0; i < units; i++ {
				miniFAT = append(miniFAT, e.start+uint32(i)+1)
			}
			miniFAT[len(miniFAT)-1] = endOfChain
			mini = append(mini, e.data...)
			for len(mini)%miniSectorSize != 0 {
				mini = append(mini, 0)
			}
		default:
			big = append(big, e)
		}
	}
	ss := 512
	if opt.Sector4K {
		ss = 4096
	}
	secs := func(n int) int { return (n + ss - 1) / ss }
	nDir := secs(len(entries) * dirEntrySize)
	nMiniFAT := secs(len(miniFAT) * 4)
	nMini := secs(len(mini))
	nData := nDir + nMiniFAT + nMini
	for _, e := range big {
		nData += secs(len(e.data))
	}
	nFAT := 1
	for nFAT*(ss/4) < nData+nFAT {
		nFAT++
	}
	if nFAT > 109 {
		panic("writeCFB: too big for a header-only DIFAT")
	}
	total := nFAT + nData
	fat := make([]uint32, nFAT*(ss/4))
	for i := range fat {
		fat[i] = freeSect
	}
	free := make([]uint32, 0, nData)
	for i := nFAT; i < total; i++ {
		free = append(free, uint32(i))
	}
	if opt.Scatter != nil {
		opt.Scatter.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	}
	for i := 0; i < nFAT; i++ {
		fat[i] = fatSect
		lay.FATSecs = append(lay.FATSecs, uint32(i))
	}
	chain := func(n int) []uint32 {
		c := free[:n]
		free = free[n:]
		for i, s := range c {
			if i+1 < len(c) {
				fat[s] = c[i+1]
			} else {
				fat[s] = endOfChain
			}
		}
		return c
	}
	out := make([]byte, (1+total)*ss)
	put := func(c []uint32, data []byte) {
		for i, s := range c {
			from := i * ss
			to := min(from+ss, len(data))
			if from < to {
				copy(out[(int(s)+1)*ss:], data[from:to])
			}
		}
	}
	lay.DirSecs = chain(nDir)
	lay.MiniFATSecs = chain(nMiniFAT)
	lay.MiniSecs = chain(nMini)
	for _, e := range big {
		c := chain(secs(len(e.data)))
		e.start = c[0]
		put(c, e.data)
	}
	root := entries[0]
	root.size = uint32(len(mini))
	root.start = endOfChain
	if len(lay.MiniSecs) > 0 {
		root.start = lay.MiniSecs[0]
	}
	put(lay.MiniSecs, mini)
	mf := make([]byte, nMiniFAT*ss)
	for i := range mf {
		mf[i] = 0xFF
	}
	for i, v := range miniFAT {
		binary.LittleEndian.PutUint32(mf[4*i:], v)
	}
	put(lay.MiniFATSecs, mf)
	dir := make([]byte, nDir*ss)
	for i := len(entries) * dirEntrySize; i < len(dir); i += dirEntrySize {
		binary.LittleEndian.PutUint32(dir[i+68:], noStream)
		binary.LittleEndian.PutUint32(dir[i+72:], noStream)
		binary.LittleEndian.PutUint32(dir[i+76:], noStream)
	}
	for i, e := range entries {
		b := dir[i*dirEntrySize:]
		for j, u := range e.name {
			binary.LittleEndian.PutUint16(b[2*j:], u)
		}
		binary.LittleEndian.PutUint16(b[64:], uint16(2*len(e.name)+2))
		b[66], b[67] = e.typ, 1
		binary.LittleEndian.PutUint32(b[68:], e.left)
		binary.LittleEndian.PutUint32(b[72:], e.right)
		binary.LittleEndian.PutUint32(b[76:], e.child)
		if e.typ != 1 {
			binary.LittleEndian.PutUint32(b[116:], e.start)
			binary.LittleEndian.PutUint32(b[120:], e.size)
		}
	}
	put(lay.DirSecs, dir)
	fb := make([]byte, len(fat)*4)
	for i, v := range fat {
		binary.LittleEndian.PutUint32(fb[4*i:], v)
	}
	put(lay.FATSecs, fb)

	h := out[:512]
	copy(h, cfbMagic)
	binary.LittleEndian.PutUint16(h[24:], 0x3E)
	binary.LittleEndian.PutUint16(h[26:], 3)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 9)
	if opt.Sector4K {
		binary.LittleEndian.PutUint16(h[26:], 4)
		binary.LittleEndian.PutUint16(h[30:], 12)
		binary.LittleEndian.PutUint32(h[40:], uint32(nDir))
	}
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], uint32(nFAT))
	binary.LittleEndian.PutUint32(h[48:], lay.DirSecs[0])
	binary.LittleEndian.PutUint32(h[56:], miniCutoff)
	if nMiniFAT > 0 {
		binary.LittleEndian.PutUint32(h[60:], lay.MiniFATSecs[0])
	} else {
		binary.LittleEndian.PutUint32(h[60:], endOfChain)
	}
	binary.LittleEndian.PutUint32(h[64:], uint32(nMiniFAT))
	binary.LittleEndian.PutUint32(h[68:], endOfChain)
	for i := 0; i < 109; i++ {
		v := freeSect
		if i < nFAT {
			v = lay.FATSecs[i]
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	return out, lay
}

// prop is a property for msgItems: a tag and its value as mapi keeps it
// (strings without their terminator; the writer adds it).
type prop struct {
	tag    mapi.Tag
	value  []byte
	values [][]byte // multi-valued
}

func i32(v uint32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return b
}

func strProp(id uint16, s string) prop {
	return prop{tag: mapi.NewTag(id, mapi.PtypString), value: mapi.EncodeUTF16(s)}
}
func intProp(id uint16, v uint32) prop {
	return prop{tag: mapi.NewTag(id, mapi.PtypInteger32), value: i32(v)}
}

// msgItems writes the property stream (with a header of hdr bytes) and
// the value streams of props, followed by more items (recipient and
// attachment storages...).
func msgItems(hdr int, counts [4]uint32, props []prop, more ...*item) []*item {
	ps := make([]byte, hdr)
	if hdr >= headerEmbedded {
		for i, c := range counts {
			binary.LittleEndian.PutUint32(ps[8+4*i:], c)
		}
	}
	var out []*item
	for _, p := range props {
		e := make([]byte, 16)
		binary.LittleEndian.PutUint32(e, uint32(p.tag))
		binary.LittleEndian.PutUint32(e[4:], 6) // readable, writable
		t := p.tag.Type()
		switch {
		case t.Multi() && t.Base().FixedSize() > 0:
			var v []byte
			for _, x := range p.values {
				v = append(v, x...)
			}
			binary.LittleEndian.PutUint32(e[8:], uint32(len(v)))
			out = append(out, stream(substgName(p.tag), v))
		case t.Multi():
			var lengths []byte
			for i, x := range p.values {
				term := x
				switch t.Base() {
				case mapi.PtypString:
					term = append(append([]byte{}, x...), 0, 0)
				case mapi.PtypString8:
					term = append(append([]byte{}, x...), 0)
				}
				lengths = append(lengths, i32(uint32(len(term)))...)
				if t.Base() == mapi.PtypBinary {
					lengths = append(lengths, 0, 0, 0, 0)
				}
				out = append(out, stream(valueStreamName(p.tag, i), term))
			}
			binary.LittleEndian.PutUint32(e[8:], uint32(len(lengths)))
			out = append(out, stream(substgName(p.tag), lengths))
		case inStream(t):
			v := p.value
			switch t {
			case mapi.PtypString:
				v = append(append([]byte{}, v...), 0, 0)
			case mapi.PtypString8:
				v = append(append([]byte{}, v...), 0)
			}
			binary.LittleEndian.PutUint32(e[8:], uint32(len(v)))
			out = append(out, stream(substgName(p.tag), v))
		default:
			copy(e[8:], p.value)
		}
		ps = append(ps, e...)
	}
	out = append([]*item{stream(propStreamName, ps)}, out...)
	return append(out, more...)
}

// sampleMessage is a small but complete message: subject and bodies, a
// named property, a multi-valued one, two recipients, a file attachment
// and an embedded message with its own recipient.
func sampleMessage() []*item {
	embedded := msgItems(headerEmbedded, [4]uint32{1, 0, 1, 0}, []prop{
		strProp(mapi.PidTagMessageClass, "IPM.Note"),
		strProp(mapi.PidTagSubject, "Inner"),
		strProp(mapi.PidTagBody, "inner body"),
	}, storage(recipPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{
		strProp(mapi.PidTagDisplayName, "Carol"),
		intProp(mapi.PidTagRecipientType, mapi.RecipTo),
	})...))
	guids := make([]byte, 16)
	copy(guids, mapi.PSETIDCommon[:])
	entries := append(i32(0x8501), i32(0<<16|3<<1)...)                 // LID 0x8501 in PSETID_Common -> 0x8000
	entries = append(entries, append(i32(0), i32(1<<16|2<<1|1)...)...) // "Keywords" in PS_PUBLIC_STRINGS -> 0x8001
	names := append(i32(16), mapi.EncodeUTF16("Keywords")...)
	return msgItems(headerTopLevel, [4]uint32{2, 2, 2, 2}, []prop{
		strProp(mapi.PidTagMessageClass, "IPM.Note"),
		strProp(mapi.PidTagSubject, "Hello from a test"),
		strProp(mapi.PidTagBody, "plain body\r\n"),
		{tag: mapi.NewTag(mapi.PidTagHtml, mapi.PtypBinary), value: []byte("<p>html body</p>")},
		intProp(mapi.PidTagInternetCodepage, 65001),
		{tag: mapi.NewTag(0x8001, mapi.PtypString|mapi.MultipleFlag), values: [][]byte{mapi.EncodeUTF16("red"), mapi.EncodeUTF16("blue")}},
		{tag: mapi.NewTag(0x8000, mapi.PtypInteger32), value: i32(7)},
	},
		storage(nameidStorage, stream(guidStream, guids), stream(entryStream, entries), stream(stringStream, names)),
		storage(recipPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{
			strProp(mapi.PidTagDisplayName, "Alice"),
			strProp(mapi.PidTagEmailAddress, "alice@example.com"),
			intProp(mapi.PidTagRecipientType, mapi.RecipTo),
		})...),
		storage(recipPrefix+"00000001", msgItems(headerSub, [4]uint32{}, []prop{
			strProp(mapi.PidTagDisplayName, "Bob"),
			intProp(mapi.PidTagRecipientType, mapi.RecipCc),
		})...),
		storage(attachPrefix+"00000000", msgItems(headerSub, [4]uint32{}, []prop{
			intProp(mapi.PidTagAttachMethod, mapi.AttachByValue),
			strProp(mapi.PidTagAttachLongFilename, "notes.txt"),
			{tag: mapi.NewTag(mapi.PidTagAttachDataBinary, mapi.PtypBinary), value: []byte("attached text\n")},
		})...),
		storage(attachPrefix+"00000001", msgItems(headerSub, [4]uint32{}, []prop{
			intProp(mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage),
		}, storage(objectName, embedded...))...),
	)
}
