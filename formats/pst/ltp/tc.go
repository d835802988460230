package ltp

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
)

// Column is a column of a table context (TCOLDESC, MS-PST 2.3.4.2): the
// property tag, where its cell lies in a row (Offset, Size) and which bit
// of the cell existence block (CEB) says the cell has a value.
type Column struct {
	Tag    mapi.Tag
	Offset int // ibData
	Size   int // cbData
	CEB    int // iBit
}

// TCINFO group ends (MS-PST 2.3.4.1, rgib).
const (
	tci4b = iota // end of the 4- and 8-byte columns
	tci2b        // end of the 2-byte columns
	tci1b        // end of the 1-byte columns: start of the CEB
	tciBM        // end of the CEB: the row size
)

// Table is a table context (TC, MS-PST 2.3.4): columns and the rows of the
// row matrix.
type Table struct {
	Columns []Column
	// RowSize is TCINFO.rgib[TCI_bm], the bytes of one row.
	RowSize int
	// RowsRef is hnidRows: where the row matrix is (a HID, a subnode NID,
	// or 0 for none).
	RowsRef uint32
	// Warnings lists damage met while opening the table (columns dropped,
	// a row index unreadable).
	Warnings []string

	h        *Heap
	r        Reader
	ceb      int      // start of the CEB in a row
	matrix   [][]byte // the row matrix, in blocks of whole rows
	firstRow []int    // row number of the first row of each matrix block
	nrows    int
	inHeap   bool
	index    map[uint32]int // dwRowID -> row, from the row index BTH
	indexErr error
}

// ReadTC reads a table context from a node's data blocks; r gives the
// node's subnodes, for a row matrix or values stored there (it may be nil
// for nodes without any).
func ReadTC(blocks [][]byte, r Reader) (*Table, error) {
	h, err := NewHeap(blocks)
	if err != nil {
		return nil, err
	}
	if h.ClientSig() != SigTC {
		return nil, formatErr("HNHDR", "bClientSig 0x%02X: not a table context (0x7C)", h.ClientSig())
	}
	return readTC(h, r)
}

func readTC(h *Heap, r Reader) (*Table, error) {
	structure := "TCINFO " + h.UserRoot().String()
	b, err := h.Get(h.UserRoot())
	if err != nil {
		return nil, fmt.Errorf("ltp: table context: %w", err)
	}
	if len(b) < 22 {
		return nil, formatErr(structure, "%d bytes, shorter than 22", len(b))
	}
	if b[0] != SigTC {
		return nil, formatErr(structure, "bType 0x%02X, not 0x7C", b[0])
	}
	le := binary.LittleEndian
	cols := int(b[1])
	var rgib [4]int
	for i := range rgib {
		rgib[i] = int(le.Uint16(b[2+2*i:]))
	}
	t := &Table{h: h, r: r, RowSize: rgib[tciBM], ceb: rgib[tci1b], RowsRef: le.Uint32(b[14:])}
	warn := func(format string, args ...any) {
		if len(t.Warnings) < 1000 {
			t.Warnings = append(t.Warnings, fmt.Sprintf(format, args...))
		}
	}
	if len(b) < 22+8*cols {
		return nil, formatErr(structure, "cCols %d column descriptors do not fit its %d bytes", cols, len(b))
	}
	cebSize := (cols + 7) / 8
	if !(rgib[tci4b] <= rgib[tci2b] && rgib[tci2b] <= rgib[tci1b] && rgib[tci1b]+cebSize <= rgib[tciBM]) {
		return nil, formatErr(structure, "rgib %v: group ends out of order or no room for the %d-byte CEB", rgib, cebSize)
	}
	if t.RowSize < 4 {
		return nil, formatErr(structure, "row size %d cannot hold dwRowID", t.RowSize)
	}
	for i := 0; i < cols; i++ {
		d := b[22+8*i:]
		c := Column{Tag: mapi.Tag(le.Uint32(d)), Offset: int(le.Uint16(d[4:])), Size: int(d[6]), CEB: int(d[7])}
		if c.Offset+c.Size > rgib[tci1b] || c.CEB >= 8*cebSize || c.Size == 0 {
			warn("column %d (%v): ibData %d, cbData %d, iBit %d do not fit the row layout; dropped", i, c.Tag, c.Offset, c.Size, c.CEB)
			continue
		}
		t.Columns = append(t.Columns, c)
	}
	if err := t.loadMatrix(); err != nil {
		return nil, err
	}
	t.loadIndex(HID(le.Uint32(b[10:])))
	if t.indexErr != nil {
		warn("row index unreadable: %v", t.indexErr)
	}
	return t, nil
}

// loadMatrix finds the row matrix (MS-PST 2.3.4.4): a heap allocation, or
// the data blocks of a subnode, each holding a whole number of rows.
func (t *Table) loadMatrix() error {
	ref := t.RowsRef
	if ref == 0 {
		return nil
	}
	if ref&0x1F == ndb.NIDTypeHID {
		b, err := t.h.Get(HID(ref))
		if err != nil {
			return fmt.Errorf("ltp: row matrix: %w", err)
		}
		t.matrix, t.inHeap = [][]byte{b}, true
	} else {
		if t.r == nil {
			return formatErr("row matrix "+ndb.NID(ref).String(), "stored in a subnode, and no subnodes were given")
		}
		blocks, err := t.r.Subnode(ndb.NID(ref))
		if err != nil {
			if len(blocks) == 0 {
				return fmt.Errorf("ltp: row matrix in subnode %v: %w", ndb.NID(ref), err)
			}
			// a damaged data tree: the blocks that were read are kept
			t.Warnings = append(t.Warnings, fmt.Sprintf("row matrix in subnode %v: %v; the rows of unreadable blocks are missing", ndb.NID(ref), err))
		}
		t.matrix = blocks
	}
	for i, b := range t.matrix {
		t.firstRow = append(t.firstRow, t.nrows)
		if b == nil {
			// An unreadable block: its rows are unknown. Counting the
			// rows of a full block keeps the later ones in place when it
			// is not the last.
			if i < len(t.matrix)-1 {
				for _, o := range t.matrix {
					if o != nil {
						t.nrows += len(o) / t.RowSize
						t.Warnings = append(t.Warnings, fmt.Sprintf("row matrix block %d unreadable: its rows are missing", i))
						break
					}
				}
			}
			continue
		}
		t.nrows += len(b) / t.RowSize
		if len(b)%t.RowSize != 0 && i < len(t.matrix)-1 && t.inHeap {
			t.Warnings = append(t.Warnings, fmt.Sprintf("row matrix block %d: %d bytes is not a whole number of %d-byte rows", i, len(b), t.RowSize))
		}
	}
	return nil
}

// loadIndex reads the row index (MS-PST 2.3.4.3): a BTH from dwRowID to
// the row's number.
func (t *Table) loadIndex(hid HID) {
	t.index = map[uint32]int{}
	if hid == 0 {
		return
	}
	bth, err := t.h.BTH(hid)
	if err != nil {
		t.indexErr = err
		return
	}
	if bth.KeySize != 4 || bth.DataSize != 4 && bth.DataSize != 2 {
		t.indexErr = formatErr("row index "+hid.String(), "cbKey %d, cbEnt %d: want 4 and 4 (2 in ANSI files)", bth.KeySize, bth.DataSize)
		return
	}
	t.indexErr = bth.Walk(func(key, data []byte) bool {
		row := int(binary.LittleEndian.Uint16(data))
		if len(data) == 4 {
			row = int(binary.LittleEndian.Uint32(data))
		}
		t.index[binary.LittleEndian.Uint32(key)] = row
		return true
	})
}

// Rows returns the number of rows in the row matrix.
func (t *Table) Rows() int { return t.nrows }

// Indexed returns the number of rows the row index lists. Rows of the
// matrix that the index does not list may be left over from deleted
// items.
func (t *Table) Indexed() int { return len(t.index) }

// Lookup returns the row number the row index gives a dwRowID.
func (t *Table) Lookup(rowID uint32) (int, bool) {
	i, ok := t.index[rowID]
	return i, ok
}

// row returns the bytes of row i and where they are.
func (t *Table) row(i int) ([]byte, int, int, error) {
	if i < 0 || i >= t.nrows {
		return nil, 0, 0, fmt.Errorf("ltp: row %d of %d", i, t.nrows)
	}
	// the last block whose first row is not after i
	bi := sort.Search(len(t.firstRow), func(k int) bool { return t.firstRow[k] > i }) - 1
	b := t.matrix[bi]
	off := (i - t.firstRow[bi]) * t.RowSize
	if b == nil || off+t.RowSize > len(b) {
		return nil, bi, off, formatErr(fmt.Sprintf("row %d", i), "in row matrix block %d, which is unreadable", bi)
	}
	return b[off : off+t.RowSize], bi, off, nil
}

// RowID returns dwRowID of row i (the first four bytes of the row): for
// hierarchy, contents and attachment tables, the NID of the row's object.
// It returns 0 for a row that cannot be read.
func (t *Table) RowID(i int) uint32 {
	b, _, _, err := t.row(i)
	if err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Row returns the cells of row i that exist (per the CEB) as properties,
// with variable-size cells read from the heap or subnodes. A cell that
// cannot be read is left out; RowDetailed says which. The error is for a
// row that cannot be read at all.
func (t *Table) Row(i int) (*mapi.Properties, error) {
	rd, err := t.RowDetailed(i)
	if err != nil {
		return nil, err
	}
	return rd.Props, nil
}

// RowData is a row as read, with where each value came from and what
// could not be read.
type RowData struct {
	ID       uint32
	Props    *mapi.Properties
	Origins  map[mapi.Tag]Origin
	Warnings []string
}

// RowDetailed is Row with the origin of every value and the warnings.
func (t *Table) RowDetailed(i int) (*RowData, error) {
	b, bi, off, err := t.row(i)
	if err != nil {
		return nil, err
	}
	rd := &RowData{ID: binary.LittleEndian.Uint32(b), Props: &mapi.Properties{}, Origins: make(map[mapi.Tag]Origin, len(t.Columns))}
	rd.Props.Reserve(len(t.Columns))
	warn := func(format string, args ...any) {
		rd.Warnings = append(rd.Warnings, fmt.Sprintf("row %d: ", i)+fmt.Sprintf(format, args...))
	}
	ceb := b[t.ceb:t.RowSize]
	for _, c := range t.Columns {
		if ceb[c.CEB/8]&(0x80>>(c.CEB%8)) == 0 {
			continue
		}
		cell := b[c.Offset : c.Offset+c.Size]
		typ := c.Tag.Type()
		if s := typ.FixedSize(); !typ.Multi() && s > 0 && s <= 8 {
			// Fixed-size values of up to 8 bytes are in the row.
			v := make([]byte, s)
			copy(v, cell)
			if c.Size < s && !(typ == mapi.PtypBoolean && c.Size == 1) {
				warn("column %v: %d-byte cell for a %d-byte type", c.Tag, c.Size, s)
			}
			rd.Origins[c.Tag] = Origin{Kind: Inline, Block: bi, Offset: off + c.Offset, Size: c.Size}
			rd.Props.Set(&mapi.Property{Tag: c.Tag, Value: v})
			continue
		}
		if c.Size != 4 {
			warn("column %v: %d-byte cell where a 4-byte HNID belongs", c.Tag, c.Size)
			continue
		}
		hnid := binary.LittleEndian.Uint32(cell)
		var raw []byte
		var o Origin
		if hnid == 0 {
			raw, o = []byte{}, Origin{Kind: InHeap}
		} else if raw, o, err = resolve(t.h, t.r, hnid); err != nil {
			warn("column %v: %v", c.Tag, err)
			continue
		}
		if s := typ.FixedSize(); !typ.Multi() && s > 0 && len(raw) != s {
			warn("column %v: %d bytes for a %d-byte type; kept as stored", c.Tag, len(raw), s)
		}
		rd.Origins[c.Tag] = o
		setValue(rd.Props, c.Tag, raw, warn)
	}
	return rd, nil
}
