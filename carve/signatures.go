package carve

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"

	"github.com/mailsalvage/mailsalvage/formats/dbx"
	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// This file holds what the carver looks for, as data: the header fields a
// stored message starts with and what each is worth when a block of
// "Name: value" lines is judged, the scores a block needs in each
// context, and the container signatures checked at sector boundaries.

// fieldRule says what a header field is worth as evidence that a block of
// field lines is the header of a stored message.
type fieldRule struct {
	// Start: a stored message may begin with this field (the list:
	// Received, Return-Path, Delivered-To, Date, From, To, Subject,
	// Message-ID, MIME-Version, and what mail stores put first).
	Start bool
	// Points for the field being there (each name counts once).
	Points int
	// Trace: only whole messages that were transported or stored carry
	// it; MIME part headers and header blocks quoted in prose do not.
	Trace bool
	// Check tests the plausibility of the value; Valid points are added
	// when it passes. nil: no check.
	Check func(v []byte) bool
	Valid int
}

var fieldRules = map[string]fieldRule{
	"received":                    {Start: true, Points: 2, Trace: true, Check: plausibleReceived, Valid: 2},
	"return-path":                 {Start: true, Points: 2, Trace: true, Check: plausiblePath, Valid: 1},
	"delivered-to":                {Start: true, Points: 2, Trace: true, Check: hasAddress, Valid: 1},
	"x-original-to":               {Start: true, Points: 2, Trace: true, Check: hasAddress, Valid: 1},
	"envelope-to":                 {Start: true, Points: 2, Trace: true, Check: hasAddress, Valid: 1},
	"x-received":                  {Start: true, Points: 2, Trace: true},
	"x-mozilla-status":            {Start: true, Points: 2, Trace: true, Check: hex4, Valid: 2},
	"x-mozilla-status2":           {Start: true, Points: 2, Trace: true, Check: hex8, Valid: 1},
	"x-mozilla-keys":              {Points: 1},
	"x-apparently-to":             {Start: true, Points: 2, Trace: true},
	"x-gm-thrid":                  {Start: true, Points: 2, Trace: true},
	"x-gmail-labels":              {Start: true, Points: 2, Trace: true},
	"x-account-key":               {Start: true, Points: 1},
	"x-uidl":                      {Start: true, Points: 1},
	"dkim-signature":              {Start: true, Points: 2, Trace: true},
	"domainkey-signature":         {Start: true, Points: 2, Trace: true},
	"authentication-results":      {Start: true, Points: 2, Trace: true},
	"arc-seal":                    {Start: true, Points: 2, Trace: true},
	"arc-message-signature":       {Start: true, Points: 2, Trace: true},
	"arc-authentication-results":  {Start: true, Points: 2, Trace: true},
	"received-spf":                {Start: true, Points: 2, Trace: true},
	"x-original-arrival-time":     {Points: 2, Trace: true},
	"x-envelope-from":             {Start: true, Points: 2, Trace: true},
	"x-envelope-to":               {Start: true, Points: 2, Trace: true},
	"path":                        {Start: true, Points: 2, Trace: true},
	"date":                        {Start: true, Points: 2, Check: plausibleDate, Valid: 2},
	"from":                        {Start: true, Points: 2, Check: hasAddress, Valid: 1},
	"sender":                      {Start: true, Points: 1, Check: hasAddress, Valid: 1},
	"reply-to":                    {Start: true, Points: 1, Check: hasAddress, Valid: 1},
	"to":                          {Start: true, Points: 1, Check: hasAddress, Valid: 1},
	"cc":                          {Start: true, Points: 1, Check: hasAddress, Valid: 1},
	"bcc":                         {Points: 1},
	"subject":                     {Start: true, Points: 2},
	"message-id":                  {Start: true, Points: 2, Trace: true, Check: plausibleMsgID, Valid: 2},
	"in-reply-to":                 {Start: true, Points: 1, Check: plausibleMsgID, Valid: 1},
	"references":                  {Start: true, Points: 1, Check: plausibleMsgID, Valid: 1},
	"mime-version":                {Start: true, Points: 2, Check: mime10, Valid: 1},
	"content-type":                {Points: 1, Check: plausibleMediaType, Valid: 1},
	"content-transfer-encoding":   {Points: 1},
	"content-disposition":         {Points: 1},
	"content-id":                  {Points: 1},
	"content-description":         {Points: 1},
	"content-language":            {Points: 1},
	"content-length":              {Points: 1},
	"lines":                       {Points: 1},
	"user-agent":                  {Start: true, Points: 1},
	"x-mailer":                    {Start: true, Points: 1},
	"organization":                {Points: 1},
	"importance":                  {Points: 1},
	"priority":                    {Points: 1},
	"x-priority":                  {Start: true, Points: 1},
	"status":                      {Start: true, Points: 1},
	"x-status":                    {Start: true, Points: 1},
	"thread-topic":                {Start: true, Points: 1},
	"thread-index":                {Start: true, Points: 1},
	"list-id":                     {Points: 1},
	"list-unsubscribe":            {Points: 1},
	"list-post":                   {Points: 1},
	"precedence":                  {Points: 1},
	"errors-to":                   {Points: 1},
	"comments":                    {Points: 1},
	"keywords":                    {Points: 1},
	"newsgroups":                  {Start: true, Points: 1},
	"xref":                        {Points: 1},
	"resent-date":                 {Start: true, Points: 1},
	"resent-from":                 {Start: true, Points: 1},
	"resent-to":                   {Points: 1},
	"resent-message-id":           {Points: 1},
	"disposition-notification-to": {Points: 1},
	"fcc":                         {Points: 1},
}

// ruleNames, ruleList and ruleIndex number the fields of fieldRules.
var ruleNames, ruleList, ruleIndex = func() ([]string, []fieldRule, map[string]int) {
	idx := map[string]int{}
	var names []string
	var rules []fieldRule
	for name, r := range fieldRules {
		idx[name] = len(names)
		names = append(names, name)
		rules = append(rules, r)
	}
	return names, rules, idx
}()

// unknownPenalty is taken for each field name that is neither known nor an
// X- extension: prose and logs with colons have many of them.
const unknownPenalty = 1

// Where a block starts decides how convincing it must be.
type startCtx int

const (
	ctxText   startCtx = iota // after a line of text, no blank line between
	ctxBlank                  // after an empty line
	ctxJunk                   // right after NUL or binary bytes
	ctxSector                 // at a sector boundary (a cluster, so a file, may start there)
	ctxRange                  // at the start of the scanned range
	ctxFrom                   // after an mbox "From " line
	ctxCount                  // after an .emlx byte count line
	ctxInBody                 // inside a message body: only a new transported message counts
)

var ctxNames = [...]string{"after-text", "after-blank-line", "after-junk", "sector-boundary", "range-start", "mbox-from-line", "emlx-count", "in-body"}

func (c startCtx) String() string { return ctxNames[c] }

// acceptRule is what a block must show in one context.
type acceptRule struct {
	Score  int  // at least this many points
	Fields int  // at least this many field lines
	Whole  bool // needs a field only whole messages have, with a plausible value
	Trace  int  // at least this many distinct trace fields
}

var acceptRules = [...]acceptRule{
	ctxText:   {Score: 12, Fields: 4, Whole: true, Trace: 2},
	ctxBlank:  {Score: 7, Fields: 2, Whole: true},
	ctxJunk:   {Score: 7, Fields: 2, Whole: true},
	ctxSector: {Score: 7, Fields: 2, Whole: true},
	ctxRange:  {Score: 7, Fields: 2, Whole: true},
	ctxFrom:   {Score: 2, Fields: 1},
	ctxCount:  {Score: 4, Fields: 2},
	ctxInBody: {Score: 10, Fields: 3, Whole: true, Trace: 2},
}

// wholeFields are the fields whose plausible value shows a whole message
// rather than a MIME part header or an HTTP or log header.
var wholeFields = map[string]bool{
	"from": true, "message-id": true, "received": true, "return-path": true,
	"delivered-to": true, "x-mozilla-status": true, "x-original-to": true,
}

// startNames indexes the start fields by length and first letter, so
// that the scanner rejects most colons without a map lookup.
var startNames = func() (t [41][26][]string) {
	for name, r := range fieldRules {
		if r.Start && len(name) <= 40 {
			t[len(name)][name[0]-'a'] = append(t[len(name)][name[0]-'a'], name)
		}
	}
	return
}()

// knownName reports whether name (any case) is a field of the rule table.
func knownName(name []byte) bool {
	if len(name) > 40 {
		return false
	}
	var l [40]byte
	for i, c := range name {
		l[i] = lower(c)
	}
	_, ok := ruleIndex[string(l[:len(name)])]
	return ok
}

// isStartName reports whether name (any case) is a field a stored message
// may begin with: one of the start fields or an X- extension field.
func isStartName(name []byte) bool {
	n := len(name)
	if n < 2 || n > 40 {
		return false
	}
	c := lower(name[0])
	if c == 'x' && name[1] == '-' && n > 3 {
		return true
	}
	if c < 'a' || c > 'z' {
		return false
	}
	for _, s := range startNames[n][c-'a'] {
		if equalFold(name, s) {
			return true
		}
	}
	return false
}

// startFirst marks the bytes a start field can begin with.
var startFirst = func() (t [256]bool) {
	for name, r := range fieldRules {
		if r.Start {
			t[name[0]] = true
			t[name[0]-'a'+'A'] = true
		}
	}
	t['x'], t['X'] = true, true
	return
}()

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold compares b, in any case, with the lower-case s.
func equalFold(b []byte, s string) bool {
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

// Value checks. They look at raw header bytes and never fail loudly.

func hasAddress(v []byte) bool {
	i := bytes.IndexByte(v, '@')
	return i > 0 && i < len(v)-3 && bytes.IndexByte(v[i:], '.') > 0 || bytes.Contains(v, []byte("undisclosed"))
}

func plausiblePath(v []byte) bool {
	v = bytes.TrimSpace(v)
	return bytes.Equal(v, []byte("<>")) || hasAddress(v)
}

func plausibleReceived(v []byte) bool {
	lv := bytes.ToLower(v[:min(len(v), 512)])
	return (bytes.Contains(lv, []byte("from ")) || bytes.Contains(lv, []byte("by "))) && bytes.IndexByte(lv, ';') > 0 ||
		bytes.Contains(lv, []byte("by ")) && bytes.Contains(lv, []byte("with "))
}

func plausibleDate(v []byte) bool {
	if len(v) > 200 {
		return false
	}
	if commonDate(v) {
		return true
	}
	t, err := rfc5322.ParseDate(string(v))
	return err == nil && t.Year() >= 1970 && t.Year() < 2200
}

var monthNames = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// commonDate is a quick check of the usual RFC 5322 date form, "[Mon, ]2
// Jan 2006 15:04[:05] zone": a day of the month, an English month name, a
// year 1970-2199 and a time, as the first four words after the weekday.
// Other forms go to the full parser.
func commonDate(v []byte) bool {
	var w [4][]byte
	n := 0
	for _, f := range bytes.Fields(v) {
		if n == 0 && len(f) == 4 && f[3] == ',' {
			continue // the weekday
		}
		if n == 4 {
			break
		}
		w[n] = f
		n++
	}
	if n < 4 || len(w[0]) == 0 || len(w[0]) > 2 || len(w[1]) != 3 || len(w[2]) != 4 || len(w[3]) < 5 {
		return false
	}
	for _, c := range w[0] {
		if !digit(c) {
			return false
		}
	}
	day := int(w[0][0] - '0')
	if len(w[0]) == 2 {
		day = day*10 + int(w[0][1]-'0')
	}
	if day < 1 || day > 31 {
		return false
	}
	month := false
	for _, m := range monthNames {
		if equalFold(w[1], m) {
			month = true
		}
	}
	y := w[2]
	if !month || !digit(y[0]) || !digit(y[1]) || !digit(y[2]) || !digit(y[3]) {
		return false
	}
	year := int(y[0]-'0')*1000 + int(y[1]-'0')*100 + int(y[2]-'0')*10 + int(y[3]-'0')
	t := w[3]
	return year >= 1970 && year < 2200 && digit(t[0]) && digit(t[1]) && t[2] == ':' && digit(t[3]) && digit(t[4])
}

func plausibleMsgID(v []byte) bool {
	i := bytes.IndexByte(v, '<')
	if i < 0 {
		return false
	}
	j := bytes.IndexByte(v[i:], '>')
	return j > 2 && bytes.IndexByte(v[i:i+j], '@') > 0
}

func mime10(v []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(v), []byte("1.0")) }

func plausibleMediaType(v []byte) bool {
	v = bytes.TrimSpace(v)
	i := bytes.IndexByte(v, '/')
	if i <= 0 || i > 20 {
		return false
	}
	for _, c := range v[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func hex4(v []byte) bool { return hexN(bytes.TrimSpace(v), 4) }
func hex8(v []byte) bool { return hexN(bytes.TrimSpace(v), 8) }

func hexN(v []byte, n int) bool {
	if len(v) != n {
		return false
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Container signatures, checked at sector boundaries.

// containerSig is a container format found by its magic at the start of a
// sector, with a check of its header and a rule for its length.
type containerSig struct {
	Format string
	Magic  []byte
	// Need is how many bytes the check looks at.
	Need int
	// Size checks the header in b (Need bytes, or fewer at the end of the
	// data; more may follow through read) and returns the length of the
	// container, or ok false when the header does not check out. avail is
	// how many bytes the image has from the start of the container.
	Size func(b []byte, avail int64, read func(off int64, n int) []byte) (size int64, ok bool)
}

var containerSigs = []containerSig{
	{Format: "pst", Magic: []byte("!BDN"), Need: 564, Size: pstSize},
	{Format: "msg", Magic: []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), Need: 512, Size: cfbSize},
	{Format: "dbx", Magic: dbx.Magic[:], Need: 0x100, Size: dbxSize},
}

// containerFirst marks the first bytes of the container signatures.
var containerFirst = func() (t [256]bool) {
	for _, s := range containerSigs {
		t[s.Magic[0]] = true
	}
	return t
}()

// dbxSize checks an Outlook Express message store's header (its class id
// says message store: the folder, POP3 and offline stores hold no
// messages) and returns the used size it declares.
func dbxSize(b []byte, avail int64, _ func(int64, int) []byte) (int64, bool) {
	if c, ok := dbx.ClassOf(b); !ok || c != dbx.ClassMessages {
		return 0, false
	}
	h, err := dbx.ParseHeader(b)
	if err != nil || h.UsedSize < dbx.HeaderSize || h.TreeRoot[0] >= h.UsedSize {
		return 0, false
	}
	return min(int64(h.UsedSize), avail), true
}

// pstCRC is the CRC of MS-PST section 5.3: the IEEE polynomial, started at
// 0 and not inverted at the end.
func pstCRC(b []byte) uint32 { return ^crc32.Update(0xFFFFFFFF, crc32.IEEETable, b) }

// pstSize checks a PST/OST header (MS-PST 2.2.2.6): the client magic, a
// known wVer and a matching dwCRCPartial (and dwCRCFull in the Unicode
// layout); the length is ibFileEof, as far as the image holds it.
func pstSize(b []byte, avail int64, _ func(int64, int) []byte) (int64, bool) {
	if len(b) < 512 {
		return 0, false
	}
	switch string(b[8:10]) {
	case "SM", "SO", "AB":
	default:
		return 0, false
	}
	le := binary.LittleEndian
	wVer := le.Uint16(b[10:])
	if le.Uint32(b[4:]) != pstCRC(b[8:8+471]) {
		return 0, false
	}
	var eof uint64
	switch wVer {
	case 14, 15:
		eof = uint64(le.Uint32(b[168:]))
	case 21, 23, 36:
		if len(b) < 564 || le.Uint32(b[524:]) != pstCRC(b[8:8+516]) {
			return 0, false
		}
		eof = le.Uint64(b[184:])
	default:
		return 0, false
	}
	if eof < 512 || eof > 1<<40 {
		return 0, false
	}
	return min(int64(eof), avail), true
}

// msgNames are UTF-16LE directory entry names only an Outlook item's
// compound file has (MS-OXMSG 2.2).
var msgNames = [][]byte{mapi.EncodeUTF16("__substg1.0_"), mapi.EncodeUTF16("__properties_version1.0"), mapi.EncodeUTF16("__recip_version1.0_#")}

// maxCFB bounds a carved compound file: an Outlook item larger than this
// is not expected, and the FAT walk stays short.
const maxCFB = 256 << 20

// cfbSize checks an MS-CFB header (2.2) and finds the length of the file
// from its FAT: one sector past the last sector in use. Only compound
// files whose directory names .msg streams are taken.
func cfbSize(b []byte, avail int64, read func(int64, int) []byte) (int64, bool) {
	if len(b) < 512 {
		return 0, false
	}
	le := binary.LittleEndian
	major, order, shift := le.Uint16(b[26:]), le.Uint16(b[28:]), le.Uint16(b[30:])
	if order != 0xFFFE || !(major == 3 && shift == 9 || major == 4 && shift == 12) {
		return 0, false
	}
	ss := int64(1) << shift
	nFAT := le.Uint32(b[44:])
	dirStart := le.Uint32(b[48:])
	if nFAT == 0 || nFAT > 1<<20 || dirStart >= 0xFFFFFFFA {
		return 0, false
	}
	// the first directory sector must name .msg streams
	dir := read((int64(dirStart)+1)*ss, int(ss))
	isMsg := false
	for _, n := range msgNames {
		if bytes.Contains(dir, n) {
			isMsg = true
		}
	}
	if !isMsg {
		// a large .msg lists its streams in later directory sectors;
		// the root entry's class is the only other clue. Not a mail item.
		return 0, false
	}
	last := int64(-1)
	perSector := ss / 4
	for i := 0; i < 109 && i < int(nFAT); i++ {
		fs := le.Uint32(b[76+4*i:])
		if fs >= 0xFFFFFFFA {
			break
		}
		fat := read((int64(fs)+1)*ss, int(ss))
		if int64(len(fat)) < ss {
			break
		}
		for j := perSector - 1; j >= 0; j-- {
			if le.Uint32(fat[4*j:]) != 0xFFFFFFFF {
				last = max(last, int64(i)*perSector+j)
				break
			}
		}
	}
	if last < 0 {
		return 0, false
	}
	size := (last + 2) * ss
	if size > maxCFB {
		return 0, false
	}
	return min(size, avail), true
}
