package ltp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

func TestHID(t *testing.T) {
	h := MakeHID(3, 0x7FF)
	if h.Block() != 3 || h.Index() != 0x7FF || h.Type() != 0 {
		t.Errorf("%v: block %d index %d type %d", h, h.Block(), h.Index(), h.Type())
	}
	if HID(0x20).Index() != 1 || HID(0x20).Block() != 0 {
		t.Error("0x20 is allocation 1 of block 0")
	}
}

func TestHeap(t *testing.T) {
	hb := newHeapBuilder(SigPC)
	var hids []HID
	var want [][]byte
	// ten blocks, so that block 8 has the HNBITMAPHDR
	for i := 0; i < 10; i++ {
		for k := 0; k < 3; k++ {
			v := bytes.Repeat([]byte{byte(i*16 + k)}, k+i)
			hids = append(hids, hb.alloc(i, v))
			want = append(want, v)
		}
	}
	hb.root = hids[1]
	blocks := hb.build()
	h, err := NewHeap(blocks)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]int{0: 12, 1: 2, 7: 2, 8: 66, 9: 2} {
		if _, off, _ := h.locate(MakeHID(i, 1)); off != want {
			t.Errorf("block %d: first allocation at %d, want %d", i, off, want)
		}
	}
	if h.ClientSig() != SigPC || h.UserRoot() != hids[1] || h.Blocks() != 10 || h.Allocations(4) != 3 {
		t.Errorf("sig %x root %v blocks %d allocs %d", h.ClientSig(), h.UserRoot(), h.Blocks(), h.Allocations(4))
	}
	for i, hid := range hids {
		if b, err := h.Get(hid); err != nil || !bytes.Equal(b, want[i]) {
			t.Errorf("Get(%v) = %v, %v; want %v", hid, b, err, want[i])
		}
	}
	if b, err := h.Get(0); b != nil || err != nil {
		t.Errorf("Get(0) = %v, %v", b, err)
	}
	for _, bad := range []HID{MakeHID(0, 4), MakeHID(10, 1), MakeHID(1, 0), 0x21} {
		if _, err := h.Get(bad); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), bad.String()) {
			t.Errorf("Get(%v) = %v", bad, err)
		}
	}
	// a damaged page map costs its block only
	blocks[3] = append([]byte(nil), blocks[3]...)
	binary.LittleEndian.PutUint16(blocks[3], 0xFFF0)
	blocks[5] = nil
	h, err = NewHeap(blocks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Get(hids[9]); err == nil || !strings.Contains(err.Error(), "heap block 3") {
		t.Errorf("Get in the damaged block: %v", err)
	}
	if _, err := h.Get(hids[15]); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("Get in the nil block: %v", err)
	}
	if b, err := h.Get(hids[27]); err != nil || !bytes.Equal(b, want[27]) {
		t.Errorf("Get after the damage: %v, %v", b, err)
	}
}

func TestNewHeapErrors(t *testing.T) {
	good := newHeapBuilder(SigTC)
	good.alloc(0, []byte("x"))
	g := good.build()
	mod := func(f func(b []byte) []byte) [][]byte { return [][]byte{f(append([]byte(nil), g[0]...))} }
	tests := []struct {
		name   string
		blocks [][]byte
		want   string
	}{
		{"no blocks", nil, "no data"},
		{"empty", [][]byte{{}}, "no data"},
		{"short", [][]byte{{1, 2, 3}}, "shorter than the 12-byte HNHDR"},
		{"bSig", mod(func(b []byte) []byte { b[2] = 0x11; return b }), "bSig is 0x11"},
		{"ibHnpm", mod(func(b []byte) []byte { b[0], b[1] = 0xFF, 0x7F; return b }), "ibHnpm"},
		{"cAlloc", mod(func(b []byte) []byte { b[len(b)-8] = 0xFF; return b }), "cAlloc"},
	}
	for _, tc := range tests {
		if _, err := NewHeap(tc.blocks); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestBTH(t *testing.T) {
	for _, per := range []int{0, 3, 2} {
		hb := newHeapBuilder(SigBTH)
		var recs [][]byte
		for i := 0; i < 20; i++ {
			recs = append(recs, append(le32(uint32(1000-i*7)), le16(uint16(i))...))
		}
		hb.root = hb.bth(0, 4, 2, recs, per)
		h, err := NewHeap(hb.build())
		if err != nil {
			t.Fatal(err)
		}
		b, err := h.BTH(h.UserRoot())
		if err != nil {
			t.Fatal(err)
		}
		if per == 2 && b.Levels < 2 {
			t.Errorf("per %d: %d levels", per, b.Levels)
		}
		var keys []uint32
		if err := b.Walk(func(k, d []byte) bool { keys = append(keys, binary.LittleEndian.Uint32(k)); return true }); err != nil {
			t.Fatal(err)
		}
		if len(keys) != 20 {
			t.Fatalf("walked %d records", len(keys))
		}
		for i := 1; i < len(keys); i++ {
			if keys[i] <= keys[i-1] {
				t.Errorf("out of order: %d after %d", keys[i], keys[i-1])
			}
		}
		d, err := b.Lookup(le32(1000 - 5*7))
		if err != nil || binary.LittleEndian.Uint16(d) != 5 {
			t.Errorf("Lookup = %v, %v", d, err)
		}
		if _, err := b.Lookup(le32(3)); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(missing) = %v", err)
		}
		if _, err := b.Lookup(le16(3)); err == nil {
			t.Error("Lookup with a short key worked")
		}
		n := 0
		b.Walk(func(k, d []byte) bool { n++; return n < 5 })
		if n != 5 {
			t.Errorf("Walk did not stop: %d", n)
		}
	}
}

func TestBTHDamage(t *testing.T) {
	hb := newHeapBuilder(SigBTH)
	// an index node whose second record points back at itself
	leaf := hb.alloc(0, append(le16(1), 'a', 'b'))
	self := MakeHID(0, 2)
	hb.alloc(0, append(append(le16(1), le32(uint32(leaf))...), append(le16(9), le32(uint32(self))...)...))
	hb.root = hb.alloc(0, []byte{SigBTH, 2, 2, 1, byte(self), 0, 0, 0})
	h, _ := NewHeap(hb.build())
	b, err := h.BTH(h.UserRoot())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = b.Walk(func(k, d []byte) bool { n++; return true })
	if n != 1 || err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("Walk: %d records, %v", n, err)
	}
	for _, hdr := range [][]byte{
		{0xB4, 2, 2, 0, 0, 0, 0, 0},
		{SigBTH, 3, 2, 0, 0, 0, 0, 0},
		{SigBTH, 2, 0, 0, 0, 0, 0, 0},
		{SigBTH, 2, 2, 9, 0, 0, 0, 0},
		{SigBTH, 2},
	} {
		hb := newHeapBuilder(SigBTH)
		hb.root = hb.alloc(0, hdr)
		h, _ := NewHeap(hb.build())
		if _, err := h.BTH(h.UserRoot()); !errors.Is(err, ErrFormat) {
			t.Errorf("BTH(% x) = %v", hdr, err)
		}
	}
}

func tag(id uint16, t mapi.PropType) mapi.Tag { return mapi.NewTag(id, t) }

func TestPC(t *testing.T) {
	guid := bytes.Repeat([]byte{0xAB}, 16)
	zero := uint32(0)
	missing := uint32(0x99F) // a subnode that is not there
	bad := uint32(MakeHID(0, 200))
	props := []pcProp{
		{tag: tag(0x0017, mapi.PtypInteger32), value: le32(0x12345678)},
		{tag: tag(0x0E07, mapi.PtypInteger16), value: le16(0x55AA)},
		{tag: tag(0x0E1F, mapi.PtypBoolean), value: []byte{1, 0}},
		{tag: tag(0x0E08, mapi.PtypInteger64), value: le64(1 << 40)},
		{tag: tag(0x0E06, mapi.PtypTime), value: le64(0x01D0000000000000), block: 1},
		{tag: tag(0x3001, mapi.PtypString), value: mapi.EncodeUTF16("Personal Folders")},
		{tag: tag(0x0037, mapi.PtypString8), value: []byte("ansi subject")},
		{tag: tag(0x0FF9, mapi.PtypGuid), value: guid, block: 1},
		{tag: tag(0x1000, mapi.PtypString), value: mapi.EncodeUTF16(strings.Repeat("body ", 3000)), sub: 0x807F},
		{tag: tag(0x0FFF, mapi.PtypBinary), hnid: &zero},
		{tag: tag(0x3701, mapi.PtypObject), value: append(le32(0x8145), le32(5000)...)},
		{tag: tag(0x8001, mapi.PtypInteger32|mapi.MultipleFlag), value: append(le32(1), le32(2)...)},
		{tag: tag(0x8002, mapi.PtypString|mapi.MultipleFlag), value: multiVar(mapi.EncodeUTF16("one"), mapi.EncodeUTF16("two"), nil)},
		{tag: tag(0x8003, mapi.PtypBinary|mapi.MultipleFlag), value: multiVar([]byte{1, 2, 3})},
		{tag: tag(0x8004, mapi.PtypString8|mapi.MultipleFlag), value: append(le32(2), le32(0x100)...), block: 1},
		{tag: tag(0x8005, mapi.PtypBinary), hnid: &missing},
		{tag: tag(0x8006, mapi.PtypBinary), hnid: &bad},
	}
	for _, per := range []int{0, 4} {
		subs := testReader{}
		blocks := buildPC(props, per, subs)
		pc, err := ReadPCDetailed(blocks, subs)
		if err != nil {
			t.Fatal(err)
		}
		p := pc.Props
		if v, _ := p.Int(0x0017); v != 0x12345678 {
			t.Errorf("Integer32 = %x", v)
		}
		if v, _ := p.Int(0x0E07); v != 0x55AA {
			t.Errorf("Integer16 = %x", v)
		}
		if v, ok := p.Bool(0x0E1F); !v || !ok {
			t.Error("Boolean")
		}
		if v, _ := p.Int(0x0E08); v != 1<<40 {
			t.Errorf("Integer64 = %x", v)
		}
		if _, ok := p.Time(0x0E06); !ok {
			t.Error("Time")
		}
		if s := p.Str(0x3001); s != "Personal Folders" {
			t.Errorf("String = %q", s)
		}
		if s := p.Str(0x0037); s != "ansi subject" {
			t.Errorf("String8 = %q", s)
		}
		if g, _ := p.Get(tag(0x0FF9, mapi.PtypGuid)); g == nil || !bytes.Equal(g.Value, guid) {
			t.Errorf("Guid = %v", g)
		}
		if s := p.Str(0x1000); len(s) != 15000 {
			t.Errorf("subnode string of %d chars", len(s))
		}
		if b, ok := p.Binary(0x0FFF); !ok || len(b) != 0 {
			t.Errorf("empty binary = %v, %v", b, ok)
		}
		if o, _ := p.Get(tag(0x3701, mapi.PtypObject)); o == nil || binary.LittleEndian.Uint32(o.Value) != 0x8145 || len(o.Value) != 8 {
			t.Errorf("Object = %v", o)
		}
		if m, _ := p.Get(tag(0x8001, mapi.PtypInteger32|mapi.MultipleFlag)); m == nil || len(m.Values) != 2 || m.Values[1][0] != 2 {
			t.Errorf("MultipleInteger32 = %v", m)
		}
		if s := p.Strings(0x8002); len(s) != 3 || s[0] != "one" || s[1] != "two" || s[2] != "" {
			t.Errorf("MultipleString = %q", s)
		}
		if m, _ := p.Get(tag(0x8003, mapi.PtypBinary|mapi.MultipleFlag)); m == nil || len(m.Values) != 1 || !bytes.Equal(m.Values[0], []byte{1, 2, 3}) {
			t.Errorf("MultipleBinary = %v", m)
		}
		// damaged values: kept raw with a warning, or left out
		if m, _ := p.Get(tag(0x8004, mapi.PtypString8|mapi.MultipleFlag)); m == nil || m.Values != nil || len(m.Value) != 8 {
			t.Errorf("bad multi-valued = %v", m)
		}
		if _, ok := p.Get(tag(0x8005, mapi.PtypBinary)); ok {
			t.Error("value of a missing subnode present")
		}
		if _, ok := p.Get(tag(0x8006, mapi.PtypBinary)); ok {
			t.Error("value of a bad HID present")
		}
		w := strings.Join(pc.Warnings, "\n")
		for _, want := range []string{"0x8004101E", "0x80050102 (HNID 0x99F)", "0x80060102 (HNID 0x1900)"} {
			if !strings.Contains(w, want) {
				t.Errorf("warnings lack %q: %s", want, w)
			}
		}
		if p.Len() != len(props)-2 {
			t.Errorf("%d properties", p.Len())
		}
		// origins
		if o := pc.Origins[tag(0x1000, mapi.PtypString)]; o.Kind != InSubnode || o.NID != 0x807F || o.Size != 30000 {
			t.Errorf("origin of the subnode value: %+v", o)
		}
		if o := pc.Origins[tag(0x0E06, mapi.PtypTime)]; o.Kind != InHeap || o.Block != 1 || o.Size != 8 || o.Offset < 2 {
			t.Errorf("origin of the heap value: %+v", o)
		}
		if o := pc.Origins[tag(0x0017, mapi.PtypInteger32)]; o.Kind != Inline || o.HNID != 0x12345678 {
			t.Errorf("origin of the inline value: %+v", o)
		}
		// ReadPC gives the same properties
		if p2, err := ReadPC(blocks, subs); err != nil || p2.Len() != p.Len() {
			t.Errorf("ReadPC: %v", err)
		}
	}
}

func TestPCErrors(t *testing.T) {
	tc := buildTC([]tcCol{{tag(0x67F2, mapi.PtypInteger32), 4, 0, 0}}, nil, 0, testReader{})
	if _, err := ReadPC(tc, nil); err == nil || !strings.Contains(err.Error(), "not a property context") {
		t.Errorf("ReadPC(TC) = %v", err)
	}
	hb := newHeapBuilder(SigPC)
	hb.root = hb.bth(0, 4, 4, nil, 0)
	if _, err := ReadPC(hb.build(), nil); err == nil || !strings.Contains(err.Error(), "cbKey 4") {
		t.Errorf("ReadPC(wrong BTH) = %v", err)
	}
	// an empty PC is fine
	if p, err := ReadPC(buildPC(nil, 0, testReader{}), nil); err != nil || p.Len() != 0 {
		t.Errorf("empty PC: %v", err)
	}
}

var tcCols = []tcCol{
	{tag(0x67F2, mapi.PtypInteger32), 4, 0, 0}, // LTP row id
	{tag(0x67F3, mapi.PtypInteger32), 4, 4, 1}, // row version
	{tag(0x0E06, mapi.PtypTime), 8, 8, 2},
	{tag(0x0037, mapi.PtypString), 4, 16, 3},
	{tag(0x0E07, mapi.PtypInteger32), 4, 20, 4},
	{tag(0x3603, mapi.PtypInteger32), 4, 24, 5},
	{tag(0x8010, mapi.PtypBinary), 4, 28, 6},
	{tag(0x0017, mapi.PtypInteger16), 2, 32, 7},
	{tag(0x0E1F, mapi.PtypBoolean), 1, 34, 8},
	{tag(0x8011, mapi.PtypString|mapi.MultipleFlag), 4, 35, 9},
}

func tcRows(n int) [][][]byte {
	var rows [][][]byte
	for i := 0; i < n; i++ {
		r := [][]byte{le32(uint32(0x200004 + 32*i)), le32(1), le64(0x01D0000000000000 + uint64(i)), mapi.EncodeUTF16("subject " + string(rune('A'+i%26))),
			le32(uint32(i)), nil, nil, le16(uint16(i)), {byte(i % 2), 0}, multiVar(mapi.EncodeUTF16("x"), mapi.EncodeUTF16("y"))}
		if i%3 == 0 {
			r[5] = le32(7)
			r[6] = []byte{}
		}
		rows = append(rows, r)
	}
	return rows
}

func TestTC(t *testing.T) {
	for _, rpb := range []int{0, 1, 7} {
		subs := testReader{}
		rows := tcRows(30)
		tbl, err := ReadTC(buildTC(tcCols, rows, rpb, subs), subs)
		if err != nil {
			t.Fatal(err)
		}
		if len(tbl.Warnings) > 0 {
			t.Errorf("warnings: %q", tbl.Warnings)
		}
		if tbl.Rows() != 30 || tbl.Indexed() != 30 || len(tbl.Columns) != len(tcCols) {
			t.Fatalf("rows %d indexed %d columns %d", tbl.Rows(), tbl.Indexed(), len(tbl.Columns))
		}
		for i := 0; i < 30; i++ {
			if id := tbl.RowID(i); id != uint32(0x200004+32*i) {
				t.Errorf("RowID(%d) = %x", i, id)
			}
			if r, ok := tbl.Lookup(uint32(0x200004 + 32*i)); !ok || r != i {
				t.Errorf("Lookup row %d = %d, %v", i, r, ok)
			}
			rd, err := tbl.RowDetailed(i)
			if err != nil || len(rd.Warnings) > 0 {
				t.Fatalf("row %d: %v %q", i, err, rd.Warnings)
			}
			p := rd.Props
			if s := p.Str(0x0037); s != "subject "+string(rune('A'+i%26)) {
				t.Errorf("row %d subject %q", i, s)
			}
			if v, _ := p.Int(0x0E07); v != int64(i) {
				t.Errorf("row %d int %d", i, v)
			}
			if v, _ := p.Int(0x0017); v != int64(i) {
				t.Errorf("row %d int16 %d", i, v)
			}
			if v, ok := p.Bool(0x0E1F); !ok || v != (i%2 == 1) {
				t.Errorf("row %d bool %v %v", i, v, ok)
			}
			if _, ok := p.Time(0x0E06); !ok {
				t.Errorf("row %d time", i)
			}
			if s := p.Strings(0x8011); len(s) != 2 || s[1] != "y" {
				t.Errorf("row %d multi %q", i, s)
			}
			_, has := p.Get(tag(0x3603, mapi.PtypInteger32))
			if has != (i%3 == 0) {
				t.Errorf("row %d: CEB says %v for column 0x3603", i, has)
			}
			if b, ok := p.Binary(0x8010); ok != (i%3 == 0) || len(b) != 0 {
				t.Errorf("row %d: empty binary %v %v", i, b, ok)
			}
			if o := rd.Origins[tag(0x0037, mapi.PtypString)]; o.Kind != InHeap {
				t.Errorf("row %d origin %+v", i, o)
			}
			if o := rd.Origins[tag(0x0E07, mapi.PtypInteger32)]; o.Kind != Inline || (rpb == 7 && o.Block != i/7) {
				t.Errorf("row %d origin %+v", i, o)
			}
		}
		if _, err := tbl.Row(30); err == nil {
			t.Error("row past the end")
		}
		if tbl.RowID(-1) != 0 {
			t.Error("RowID(-1)")
		}
	}
}

func TestTCDamage(t *testing.T) {
	subs := testReader{}
	blocks := buildTC(tcCols, tcRows(10), 4, subs)
	// row matrix block 1 unreadable: rows 4-7 lost, the others kept
	subs[0x3F][1] = nil
	tbl, err := ReadTC(blocks, subs)
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Rows() != 10 {
		t.Errorf("%d rows", tbl.Rows())
	}
	if _, err := tbl.Row(5); err == nil {
		t.Error("row in the lost block read")
	}
	if r, err := tbl.Row(9); err != nil || r.Str(0x0037) != "subject J" {
		t.Errorf("row 9 = %v", err)
	}
	// a reader that returns a damaged tree: blocks with a nil, and an error
	tbl, err = ReadTC(blocks, partialReader{subs})
	if err != nil || tbl.Rows() != 10 || len(tbl.Warnings) == 0 {
		t.Errorf("partial matrix: %v, %d rows, %q", err, tbl.Rows(), tbl.Warnings)
	}
	// a cell whose HID is bad: the cell is left out with a warning
	hb := newHeapBuilder(SigTC)
	_ = hb
	b2 := buildTC(tcCols[:4], [][][]byte{{le32(0x24), le32(1), le64(5), mapi.EncodeUTF16("s")}}, 0, testReader{})
	h, _ := NewHeap(b2)
	info, _ := h.Get(h.UserRoot())
	rowsHID := HID(binary.LittleEndian.Uint32(info[14:]))
	m, _ := h.Get(rowsHID)
	binary.LittleEndian.PutUint32(m[16:], uint32(MakeHID(0, 99)))
	tbl, err = ReadTC(b2, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tbl.RowDetailed(0)
	if err != nil || len(rd.Warnings) != 1 || !strings.Contains(rd.Warnings[0], "0x0037001F") {
		t.Errorf("row: %v %q", err, rd.Warnings)
	}
	if rd.Props.Len() != 3 {
		t.Errorf("%d cells", rd.Props.Len())
	}
	// a TCINFO that does not fit
	info[1] = 200
	if _, err := ReadTC(b2, nil); err == nil || !strings.Contains(err.Error(), "cCols 200") {
		t.Errorf("ReadTC = %v", err)
	}
	info[1] = 4
	info[2], info[3] = 0xFF, 0xFF
	if _, err := ReadTC(b2, nil); err == nil || !strings.Contains(err.Error(), "rgib") {
		t.Errorf("ReadTC = %v", err)
	}
	// a row matrix in a subnode with no reader
	if _, err := ReadTC(buildTC(tcCols, tcRows(2), 1, testReader{}), nil); err == nil || !strings.Contains(err.Error(), "no subnodes") {
		t.Errorf("ReadTC without reader = %v", err)
	}
	_ = ndb.NIDTypeHID
}

// partialReader returns what it has with an error, as ndb.File.Data does
// for a damaged data tree.
type partialReader struct{ testReader }

func (r partialReader) Subnode(nid ndb.NID) ([][]byte, error) {
	b, _ := r.testReader.Subnode(nid)
	return b, errors.New("block 0x44 not found")
}

func TestSplitMulti(t *testing.T) {
	tests := []struct {
		name string
		typ  mapi.PropType
		b    []byte
		n    int
		err  string
	}{
		{"int32s", mapi.PtypInteger32, append(le32(1), le32(2)...), 2, ""},
		{"int32s ragged", mapi.PtypInteger32, []byte{1, 2, 3, 4, 5}, 0, "not a whole number"},
		{"guids", mapi.PtypGuid, make([]byte, 32), 2, ""},
		{"strings", mapi.PtypString, multiVar(mapi.EncodeUTF16("a"), nil, mapi.EncodeUTF16("bc")), 3, ""},
		{"empty", mapi.PtypBinary, nil, 0, ""},
		{"count 4 GB", mapi.PtypBinary, append(le32(0xFFFFFFFF), 0, 0, 0, 0), 0, "ulCount 4294967295"},
		{"offset outside", mapi.PtypBinary, append(le32(1), le32(0x7FFFFFFF)...), 0, "outside"},
		{"offsets backwards", mapi.PtypBinary, append(append(le32(2), le32(14)...), append(le32(12), 1, 2, 3, 4)...), 0, "outside"},
		{"short", mapi.PtypString8, []byte{1, 0}, 0, "too short"},
	}
	for _, tc := range tests {
		var vals [][]byte
		var err error
		allocs := testing.AllocsPerRun(1, func() { vals, err = splitMulti(tc.typ, tc.b) })
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		case tc.err == "" && (err != nil || len(vals) != tc.n):
			t.Errorf("%s: %d values, %v", tc.name, len(vals), err)
		}
		if allocs > 10 {
			t.Errorf("%s: %v allocations", tc.name, allocs)
		}
	}
}
