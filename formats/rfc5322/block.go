package rfc5322

// Block describes a run of bytes examined as a possible header section.
type Block struct {
	Len      int  // bytes examined as header, including the ending empty line when Complete
	Complete bool // ended by an empty line
	Fields   int  // field lines
	Known    int  // fields whose names are common message header fields
	// Trace counts fields that only a stored or transported message starts
	// with, never a MIME part header: Received, Return-Path, Delivered-To,
	// Message-ID, Date, From, X-Mozilla-Status and the like.
	Trace int
	// FirstName is the name of the first field, lower-cased.
	FirstName string
	HasFrom   bool
	HasDate   bool
	HasMsgID  bool
	// Transport is set when a field only transport or storage adds is
	// present (Received, Return-Path, Message-ID, X-Mozilla-Status...):
	// what a quoted "Date:/From:/Subject:" block in a body lacks.
	Transport bool
}

// transportFields are added by the systems that carry and store a message,
// not typed by people quoting one.
var transportFields = map[string]bool{
	"received": true, "return-path": true, "delivered-to": true, "x-original-to": true,
	"envelope-to": true, "x-received": true, "x-mozilla-status": true, "x-mozilla-status2": true,
	"message-id": true, "dkim-signature": true, "authentication-results": true, "arc-seal": true,
	"x-gm-thrid": true, "x-gmail-labels": true, "received-spf": true, "x-original-arrival-time": true,
	"x-apparently-to": true, "x-envelope-from": true, "x-envelope-to": true, "path": true,
}

// fieldClass: 0 unknown, 1 known, 2 known and typical of a whole message.
var fieldClass = map[string]int{
	"received": 2, "return-path": 2, "delivered-to": 2, "x-original-to": 2, "envelope-to": 2,
	"x-received": 2, "x-mozilla-status": 2, "x-mozilla-status2": 2, "x-mozilla-keys": 1,
	"message-id": 2, "date": 2, "from": 2, "sender": 1, "reply-to": 1, "to": 1, "cc": 1, "bcc": 1,
	"subject": 2, "in-reply-to": 1, "references": 1, "mime-version": 2,
	"content-type": 1, "content-transfer-encoding": 1, "content-disposition": 1, "content-id": 1,
	"content-description": 1, "content-language": 1, "content-length": 1, "lines": 1,
	"x-mailer": 1, "user-agent": 1, "organization": 1, "importance": 1, "x-priority": 1, "priority": 1,
	"status": 1, "x-status": 1, "x-uid": 1, "x-keywords": 1, "x-gmail-labels": 2, "x-gm-thrid": 2,
	"dkim-signature": 2, "authentication-results": 2, "arc-seal": 2, "arc-message-signature": 2,
	"arc-authentication-results": 2, "received-spf": 2, "x-originating-ip": 2, "x-spam-status": 1,
	"x-spam-checker-version": 1, "x-spam-level": 1, "list-id": 1, "list-unsubscribe": 1, "precedence": 1,
	"thread-index": 1, "thread-topic": 1, "x-ms-has-attach": 1, "x-ms-tnef-correlator": 1,
	"x-original-arrival-time": 2, "x-apparently-to": 2, "comments": 1, "keywords": 1,
	"resent-date": 1, "resent-from": 1, "resent-to": 1, "resent-message-id": 1,
	"errors-to": 1, "x-beenthere": 1, "x-mailman-version": 1, "list-post": 1, "list-help": 1,
	"list-subscribe": 1, "list-archive": 1, "x-virus-scanned": 1, "x-envelope-from": 2, "x-envelope-to": 2,
	"path": 2, "newsgroups": 1, "xref": 1, "nntp-posting-host": 1, "x-account-key": 1,
	"x-identity-key": 1, "fcc": 1, "x-mozilla-draft-info": 1, "disposition-notification-to": 1,
}

// KnownField reports whether name is a common message header field, and
// whether it is one that only whole messages (not MIME parts) carry.
func KnownField(name []byte) (known, trace bool) {
	var buf [40]byte
	if len(name) > len(buf) {
		return false, false
	}
	for i, c := range name {
		buf[i] = lower(c)
	}
	c := fieldClass[string(buf[:len(name)])]
	if c == 0 && len(name) > 2 && buf[0] == 'x' && buf[1] == '-' {
		c = 1 // extension fields: every mail system adds its own
	}
	return c > 0, c == 2
}

// Examine looks at the start of b as a header section without copying it.
// It stops at the first empty line, at a line that is neither a field nor a
// continuation line, or after limit bytes (MaxHeader if limit <= 0).
func Examine(b []byte, limit int) Block {
	if limit <= 0 || limit > MaxHeader {
		limit = MaxHeader
	}
	if len(b) > limit {
		b = b[:limit]
	}
	var blk Block
	seen := 0 // bitset of trace fields already counted, to count distinct ones
	n := 0
	for n < len(b) {
		line, ln := nextLine(b[n:])
		if ln == len(b[n:]) && b[len(b)-1] != '\n' {
			// last line cut off by the limit or the end of data
			break
		}
		if len(line) == 0 {
			if blk.Fields > 0 {
				blk.Complete = true
				n += ln
			}
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if blk.Fields == 0 {
				break
			}
			n += ln
			continue
		}
		nameLen, ok := FieldName(line)
		if !ok {
			break
		}
		name := line[:nameLen]
		blk.Fields++
		if blk.Fields == 1 {
			blk.FirstName = string(bytesLower(name))
		}
		if len(name) <= 40 && transportFields[string(bytesLower(name))] {
			blk.Transport = true
		}
		known, trace := KnownField(name)
		if known {
			blk.Known++
		}
		if trace {
			bit := traceBit(name)
			if seen&bit == 0 {
				seen |= bit
				blk.Trace++
			}
		}
		switch {
		case equalFoldBytes(name, "from"):
			blk.HasFrom = true
		case equalFoldBytes(name, "date"):
			blk.HasDate = true
		case equalFoldBytes(name, "message-id"):
			blk.HasMsgID = true
		}
		n += ln
	}
	blk.Len = n
	return blk
}

// traceBit gives each trace field name a bit so that repeated Received
// fields count once. Names hash into 31 buckets; a rare clash only lowers
// the count.
func traceBit(name []byte) int {
	h := 0
	for _, c := range name {
		h = h*31 + int(lower(c))
	}
	if h < 0 {
		h = -h
	}
	return 1 << (h % 31)
}

func bytesLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = lower(c)
	}
	return out
}

func equalFoldBytes(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// LooksLikeMessage reports whether a block is convincingly the header of a
// whole message rather than a MIME part header, a few "Word: text" lines
// of prose, or a quoted "Date:/To:/Subject:" block: it must be complete,
// made only of field lines, carry at least two distinct trace fields and
// three known fields, and a field that transport or storage adds.
func (b Block) LooksLikeMessage() bool {
	return b.Complete && b.Trace >= 2 && b.Known >= 3 && b.Known*2 >= b.Fields && b.Transport
}

// LooksLikeHeader is the weaker test used when something else already
// suggests a message starts here (a mailbox separator, the start of a file):
// at least one trace field, or two known fields.
func (b Block) LooksLikeHeader() bool {
	return b.Fields > 0 && (b.Trace >= 1 || b.Known >= 2)
}
