package carve

// kind is what a carved byte range holds.
type kind uint8

const (
	kindMessage kind = iota // one RFC 5322 message
	kindUTF16               // one message stored as UTF-16LE
	kindMbox                // a run of an mbox file
	kindEMLX                // an Apple Mail .emlx file
	kindPST                 // a PST or OST file
	kindMsg                 // an Outlook .msg compound file
	kindDBX                 // an Outlook Express .dbx message store
)

var kindFormats = [...]string{"message", "message-utf16le", "mbox", "emlx", "pst", "msg", "dbx"}

func (k kind) String() string { return kindFormats[k] }

// item is one carved byte range: a message or a container.
type item struct {
	kind       kind
	start, end int64
	ctx        startCtx // where its start was found
	how        string   // how its end was found
	score      int
	partial    []string // why it is incomplete
	warnings   []string
	tail       *tail // set when it was cut at a sector boundary and may go on elsewhere
	// fragments, when it was reassembled from pieces of the image
	frags []frag
}

// frag is one piece of a reassembled message.
type frag struct{ off, n int64 }

// tail is what reassembly needs to know about a message cut short at a
// sector boundary: what it was in the middle of.
type tail struct {
	boundary string   // the top-level multipart boundary
	bounds   []string // every boundary seen
	cte      string   // transfer encoding of the part that was cut
	frag     int      // bytes of the last line before the cut
	cut      []byte   // those bytes, when at most maxCutLine
	inHeader bool     // cut inside a part header
	lineLen  int      // usual line length of that part (base64), 0 if unknown
	crlf     bool
}

// maxCutLine bounds the cut line a tail keeps.
const maxCutLine = 1024

// inDelimiter reports whether the tail was cut inside a multipart
// delimiter line: its continuation must complete one of its boundaries.
func (t *tail) inDelimiter() bool { return len(t.cut) >= 2 && t.cut[0] == '-' && t.cut[1] == '-' }

// How an end was found (item.how).
const (
	endJunk     = "junk"           // NUL or binary bytes follow
	endNext     = "next-message"   // another message starts after an empty line
	endSector   = "sector-start"   // another message or container starts at a sector boundary
	endFrom     = "mbox-separator" // an mbox From line follows
	endClose    = "closing-boundary"
	endBreak    = "discontinuity" // the data changes kind at a sector boundary
	endData     = "end-of-data"
	endLimit    = "size-limit"
	endDeclared = "declared-length"
)
