package peers

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is the outcome of comparing one field.
type Status int

const (
	Agree         Status = iota // the field is the same
	Differ                      // the field differs (Detail says how)
	NotComparable               // the reference does not show the field, or shows it undecodable
)

func (s Status) String() string {
	return [...]string{"agree", "differ", "not comparable"}[s]
}

// Check is the comparison of one field of an item.
type Check struct {
	Field  string
	Status Status
	Detail string
}

// Fields are the fields Compare checks, in order.
var Fields = []string{"message_id", "subject", "from", "recipients", "date", "attachments"}

// Compare compares want, an item as pffexport wrote it, with got, the same
// item read from an .eml with ParseEML. One Check per field of Fields:
//
//   - message_id: PidTagInternetMessageId (or the transport headers'
//     Message-ID) equals the .eml's, byte for byte.
//   - subject: PidTagSubject, or the transport headers' Subject, equals
//     the .eml's (white space collapsed). Not comparable when pffexport's
//     subject holds U+FFFD (8-bit text it could not decode).
//   - from: the .eml's From address is one of the SMTP addresses
//     pffexport shows for the sender or the represented sender (the
//     *_SMTP_ADDRESS properties, an SMTP-type address, the transport
//     headers' From); when it shows none (Exchange DNs only), the display
//     names are compared.
//   - recipients: every recipient pffexport lists is among the .eml's
//     To/Cc/Bcc, by SMTP address where pffexport shows one, else by
//     display name.
//   - date: the .eml's Date is, to the second, the first time pffexport
//     shows of: the transport headers' Date, the client submit time, the
//     delivery time, the creation time, the modification time (the order
//     mailsalvage picks them in).
//   - attachments: every file pffexport wrote for the item has an
//     attachment with the same bytes (size and SHA-256) in the .eml,
//     named the same (after PffName) when the attachment has a long file
//     name; every embedded item has an embedded message with its subject,
//     in order; OLE objects
//     (PidTagAttachMethod 6), whose bytes pffexport writes as the OLE
//     storage, are only counted.
func Compare(want, got *Item) []Check {
	return []Check{
		compareMessageID(want, got),
		compareSubject(want, got),
		compareFrom(want, got),
		compareRecipients(want, got),
		compareDate(want, got),
		compareAttachments(want, got),
	}
}

func compareMessageID(want, got *Item) Check {
	c := Check{Field: "message_id"}
	switch {
	case want.MessageID == "":
		c.Status, c.Detail = NotComparable, "pffexport shows no Message-ID"
	case want.MessageID == got.MessageID:
	default:
		c.Status, c.Detail = Differ, fmt.Sprintf("%q vs pffexport's %q", got.MessageID, want.MessageID)
	}
	return c
}

func compareSubject(want, got *Item) Check {
	c := Check{Field: "subject"}
	w, g := oneSpace(want.Subject), oneSpace(got.Subject)
	hs := ""
	if want.Headers != "" {
		hs = oneSpace(parseHeader(want.Headers).subject())
	}
	switch {
	case w == g || hs != "" && hs == g:
	case strings.ContainsRune(w, utf8.RuneError):
		c.Status, c.Detail = NotComparable, fmt.Sprintf("pffexport's subject %q is not decodable", w)
	default:
		c.Status, c.Detail = Differ, fmt.Sprintf("%q vs pffexport's %q", g, w)
	}
	return c
}

// isSMTP reports whether an address of the given type is an SMTP address.
func isSMTP(addr, typ string) bool {
	if strings.EqualFold(typ, "SMTP") {
		return true
	}
	return (typ == "" || !strings.EqualFold(typ, "EX")) && strings.Contains(addr, "@") && !strings.HasPrefix(addr, "/")
}

func fold(s string) string { return strings.ToLower(oneSpace(strings.Trim(s, `"' `))) }

func compareFrom(want, got *Item) Check {
	c := Check{Field: "from"}
	addrs, names := map[string]bool{}, map[string]bool{}
	add := func(a Address) {
		if a.SMTP != "" {
			addrs[strings.ToLower(a.SMTP)] = true
		}
		if a.Addr != "" && isSMTP(a.Addr, a.Type) {
			addrs[strings.ToLower(a.Addr)] = true
		}
		if a.Name != "" {
			names[fold(a.Name)] = true
		}
	}
	add(want.From)
	add(want.Sender)
	if want.Headers != "" {
		h := parseHeader(want.Headers)
		for _, k := range []string{"From", "Sender"} {
			for _, a := range h.addresses(k) {
				add(a)
			}
		}
	}
	g := got.From
	switch {
	case len(addrs) == 0 && len(names) == 0:
		if g.Addr == "" && g.Name == "" {
			return c
		}
		c.Status, c.Detail = NotComparable, "pffexport shows no sender"
	case g.Addr == "" && g.Name == "":
		c.Status, c.Detail = Differ, "no From; pffexport shows "+setString(addrs, names)
	case len(addrs) > 0 && g.Addr != "":
		if !addrs[strings.ToLower(g.Addr)] {
			c.Status, c.Detail = Differ, fmt.Sprintf("%q vs pffexport's %s", g.Addr, setString(addrs, names))
		}
	case names[fold(g.Name)] || names[fold(g.Addr)]:
	default:
		c.Status, c.Detail = Differ, fmt.Sprintf("%q <%s> vs pffexport's %s", g.Name, g.Addr, setString(addrs, names))
	}
	return c
}

func setString(sets ...map[string]bool) string {
	var all []string
	for _, s := range sets {
		for k := range s {
			all = append(all, k)
		}
	}
	sort.Strings(all)
	return "[" + strings.Join(all, ", ") + "]"
}

func compareRecipients(want, got *Item) Check {
	c := Check{Field: "recipients"}
	if !want.RecipientsKnown || len(want.Recipients) == 0 {
		c.Status, c.Detail = NotComparable, "pffexport shows no recipients"
		return c
	}
	addrs, names := map[string]bool{}, map[string]bool{}
	for _, r := range got.Recipients {
		if r.Addr != "" {
			addrs[strings.ToLower(r.Addr)] = true
			names[fold(r.Addr)] = true
		}
		if r.Name != "" {
			names[fold(r.Name)] = true
		}
	}
	missing := missingRecipients(want.Recipients, addrs, names)
	if len(missing) > 0 && want.Headers != "" {
		// the transport headers pffexport shows are the other record of
		// who the message went to; mailsalvage keeps them when sound
		h := parseHeader(want.Headers)
		var hr []Recipient
		for _, k := range []string{"To", "Cc"} {
			for _, a := range h.addresses(k) {
				hr = append(hr, Recipient{Address: a, Kind: k})
			}
		}
		if len(hr) > 0 && len(missingRecipients(hr, addrs, names)) == 0 {
			missing = nil
		}
	}
	if len(missing) > 0 {
		var have []string
		for _, r := range got.Recipients {
			have = append(have, fmt.Sprintf("%s %q <%s>", r.Kind, r.Name, r.Addr))
		}
		c.Status, c.Detail = Differ, fmt.Sprintf("missing %s; have %s", strings.Join(missing, ", "), strings.Join(have, ", "))
	}
	return c
}

// missingRecipients returns the recipients of want found neither by
// address among addrs nor by name among names.
func missingRecipients(want []Recipient, addrs, names map[string]bool) []string {
	var missing []string
	for _, r := range want {
		smtp := r.SMTP
		if smtp == "" && isSMTP(r.Addr, r.Type) {
			smtp = r.Addr
		}
		switch {
		case smtp != "" && addrs[strings.ToLower(smtp)]:
		case r.Name != "" && names[fold(r.Name)]:
		case smtp == "" && r.Name == "":
		default:
			missing = append(missing, fmt.Sprintf("%s %q <%s>", r.Kind, r.Name, smtp))
		}
	}
	return missing
}

// ExpectedDate returns the date an .eml of the item should carry and where
// it comes from: the transport headers' Date, else the first MAPI time
// set among client submit, delivery, creation and modification time.
func ExpectedDate(want *Item) (time.Time, string) {
	for _, c := range []struct {
		t    time.Time
		name string
	}{
		{want.Date, "transport Date"},
		{want.ClientSubmitTime, "client submit time"},
		{want.DeliveryTime, "delivery time"},
		{want.CreationTime, "creation time"},
		{want.ModificationTime, "modification time"},
	} {
		if !c.t.IsZero() {
			return c.t, c.name
		}
	}
	return time.Time{}, ""
}

func sameSecond(a, b time.Time) bool {
	return a.Unix() == b.Unix()
}

func compareDate(want, got *Item) Check {
	c := Check{Field: "date"}
	exp, from := ExpectedDate(want)
	switch {
	case exp.IsZero() && got.Date.IsZero():
	case exp.IsZero():
		c.Status, c.Detail = NotComparable, "pffexport shows no time"
	case got.Date.IsZero():
		c.Status, c.Detail = Differ, fmt.Sprintf("no Date; pffexport's %s is %s", from, exp.UTC().Format(time.RFC3339))
	case sameSecond(exp, got.Date):
	default:
		c.Status, c.Detail = Differ, fmt.Sprintf("%s vs pffexport's %s %s", got.Date.Format(time.RFC3339), from, exp.UTC().Format(time.RFC3339))
		for _, o := range []struct {
			t    time.Time
			name string
		}{{want.ClientSubmitTime, "client submit"}, {want.DeliveryTime, "delivery"}, {want.CreationTime, "creation"}, {want.ModificationTime, "modification"}} {
			if !o.t.IsZero() && sameSecond(o.t, got.Date) {
				c.Detail += " (it is the " + o.name + " time)"
				break
			}
		}
	}
	return c
}

// attachOLE is PidTagAttachMethod's afOle: pffexport writes the OLE
// storage, which a converter may unwrap or render, so these are matched by
// count only.
const attachOLE = 6

func compareAttachments(want, got *Item) Check {
	c := Check{Field: "attachments"}
	if !want.AttachmentsKnown || len(want.Attachments) == 0 {
		c.Status, c.Detail = NotComparable, "pffexport shows no attachments"
		return c
	}
	used := make([]bool, len(got.Attachments))
	var problems []string
	embedded, ole := 0, 0
	for _, a := range want.Attachments {
		if a.Embedded != nil {
			embedded++
			continue
		}
		if a.Method == attachOLE {
			ole++ // matched below, by count
			continue
		}
		found := -1
		for i, g := range got.Attachments {
			if !used[i] && g.Embedded == nil && g.SHA256 == a.SHA256 {
				found = i
				break
			}
		}
		label := fmt.Sprintf("%q (%d bytes)", a.Name, a.Size)
		if found < 0 {
			problems = append(problems, "no attachment with the bytes of "+label)
			continue
		}
		used[found] = true
		g := got.Attachments[found]
		if a.Name != "" && PffName(g.Name) != a.Name && g.Name != a.LongName {
			problems = append(problems, fmt.Sprintf("%s is named %q", label, g.Name))
		}
	}
	gotEmbedded, unused := 0, 0
	for i, g := range got.Attachments {
		switch {
		case g.Embedded != nil:
			gotEmbedded++
		case !used[i]:
			unused++
		}
	}
	if gotEmbedded < embedded {
		problems = append(problems, fmt.Sprintf("%d embedded items, pffexport %d", gotEmbedded, embedded))
	} else {
		// in order: the embedded items' subjects
		var ws, gs []string
		for _, a := range want.Attachments {
			if a.Embedded != nil {
				ws = append(ws, oneSpace(a.Embedded.Subject))
			}
		}
		for _, g := range got.Attachments {
			if g.Embedded != nil {
				gs = append(gs, oneSpace(g.Embedded.Subject))
			}
		}
		for i, w := range ws {
			if gs[i] != w {
				problems = append(problems, fmt.Sprintf("embedded item %d has subject %q, pffexport %q", i+1, gs[i], w))
			}
		}
	}
	if unused < ole {
		problems = append(problems, fmt.Sprintf("%d OLE objects, %d other attachments", ole, unused))
	}
	if len(problems) > 0 {
		var have []string
		for _, g := range got.Attachments {
			if g.Embedded != nil {
				have = append(have, "(message)")
			} else {
				have = append(have, fmt.Sprintf("%q (%d bytes)", g.Name, g.Size))
			}
		}
		c.Status, c.Detail = Differ, strings.Join(problems, "; ")+"; have "+strings.Join(have, ", ")
	}
	return c
}

// Pair matches the items want (from pffexport) with the items got (from
// .eml files), one to one: first by node id where both have one, then by
// Message-ID, then by subject and date (ExpectedDate, to the second), then
// by subject where only one item on each side is left with it, then, in
// order, by subject where as many are left on each side with it. It
// returns the pairs and what is left on each side.
func Pair(want, got []*Item) (pairs [][2]*Item, leftWant, leftGot []*Item) {
	usedW := make([]bool, len(want))
	usedG := make([]bool, len(got))
	match := func(key func(*Item) string, wkey func(*Item) string) {
		idx := map[string][]int{}
		for j, g := range got {
			if !usedG[j] {
				if k := key(g); k != "" {
					idx[k] = append(idx[k], j)
				}
			}
		}
		for i, w := range want {
			if usedW[i] {
				continue
			}
			k := wkey(w)
			for len(idx[k]) > 0 && k != "" {
				j := idx[k][0]
				idx[k] = idx[k][1:]
				if !usedG[j] {
					usedW[i], usedG[j] = true, true
					pairs = append(pairs, [2]*Item{w, got[j]})
					break
				}
			}
		}
	}
	nid := func(it *Item) string {
		if it.NID == 0 {
			return ""
		}
		return fmt.Sprint(it.NID)
	}
	match(nid, nid)
	mid := func(it *Item) string { return it.MessageID }
	match(mid, mid)
	subjDate := func(t time.Time, s string) string {
		if t.IsZero() {
			return ""
		}
		return fmt.Sprintf("%d %s", t.Unix(), oneSpace(s))
	}
	match(func(g *Item) string { return subjDate(g.Date, g.Subject) },
		func(w *Item) string { t, _ := ExpectedDate(w); return subjDate(t, w.Subject) })
	// a subject left once on each side
	count := func(items []*Item, used []bool) map[string]int {
		m := map[string]int{}
		for i, it := range items {
			if !used[i] {
				m[oneSpace(it.Subject)]++
			}
		}
		return m
	}
	cw, cg := count(want, usedW), count(got, usedG)
	unique := func(it *Item) string {
		s := oneSpace(it.Subject)
		if cw[s] == 1 && cg[s] == 1 {
			return "s " + s
		}
		return ""
	}
	match(unique, unique)
	// the same subject left as often on each side: in order
	cw, cg = count(want, usedW), count(got, usedG)
	same := func(it *Item) string {
		s := oneSpace(it.Subject)
		if cw[s] == cg[s] {
			return "n " + s
		}
		return ""
	}
	match(same, same)
	for i, w := range want {
		if !usedW[i] {
			leftWant = append(leftWant, w)
		}
	}
	for j, g := range got {
		if !usedG[j] {
			leftGot = append(leftGot, g)
		}
	}
	return pairs, leftWant, leftGot
}
