package damage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats/pst/ndb"
	"github.com/mailsalvage/mailsalvage/internal/peers"
)

// Found is an item a tool recovered from a file.
type Found struct {
	// NID is the item's node id when the tool names it (mailsalvage's
	// provenance, pffexport's log), 0 otherwise (readpst).
	NID       ndb.NID
	MessageID string // with its angle brackets, "" when the tool shows none
	Subject   string
	// Unreadable marks a stand-in for an item the tool could not read (our
	// "[unreadable item]" placeholder; a pffexport item directory with
	// nothing in it): it recovers nothing.
	Unreadable bool
	// Deleted is set for what a tool found only by scanning (pffexport's
	// recovered items).
	Deleted bool
}

// ItemRecord reports whether a provenance record is an item of its
// mailbox: it has a chain, and no hop of it is an "attachment" (a
// message pulled out of another).
func ItemRecord(r export.Record) bool {
	for _, h := range r.Chain {
		if strings.HasPrefix(h.Locator, "attachment") {
			return false
		}
	}
	return len(r.Chain) > 0
}

// FoundInRecords returns the items of mailsalvage's provenance records
// for one evidence file: every record but those pulled out of another
// message (an "attachment" hop), with the node id of the pst_nid attr or
// of the chain's "node 0x…" locator.
func FoundInRecords(recs []export.Record) []Found {
	var out []Found
	for _, r := range recs {
		if !ItemRecord(r) {
			continue
		}
		f := Found{MessageID: r.MessageID, Subject: r.Subject}
		if v, ok := r.Attrs["pst_nid"]; ok {
			if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(v), "0x"), 16, 32); err == nil {
				f.NID = ndb.NID(n)
			}
		}
		if f.NID == 0 {
			for _, h := range r.Chain {
				if _, rest, ok := strings.Cut(h.Locator, "node 0x"); ok {
					hex, _, _ := strings.Cut(rest, " ")
					if n, err := strconv.ParseUint(hex, 16, 32); err == nil {
						f.NID = ndb.NID(n)
						break
					}
				}
			}
		}
		f.Unreadable = r.MessageID == "" && strings.HasPrefix(r.Subject, "[unreadable item")
		out = append(out, f)
	}
	return out
}

// FoundInExport returns the items a peer tool wrote (embedded items
// aside); deleted marks them as found by scanning.
func FoundInExport(e *peers.Export, deleted bool) []Found {
	if e == nil {
		return nil
	}
	var out []Found
	for _, it := range e.Items() {
		f := Found{NID: ndb.NID(it.NID), MessageID: it.MessageID, Subject: it.Subject, Deleted: deleted}
		f.Unreadable = f.MessageID == "" && f.Subject == "" && len(it.Errors) > 0
		out = append(out, f)
	}
	return out
}

// FoundInPff returns the items pffexport's "items" and "recovered" runs
// wrote (peers.PffExportAll): allocated, orphan and recovered.
func FoundInPff(a *peers.PffAll) []Found {
	if a == nil {
		return nil
	}
	out := FoundInExport(a.Items, false)
	out = append(out, FoundInExport(a.Orphans, false)...)
	return append(out, FoundInExport(a.Recovered, true)...)
}

// RefItem is an item of the intact file: what a reader should recover.
type RefItem struct {
	// NID is its node id (0 when only a tool that names none found it).
	NID       ndb.NID
	MessageID string
	Subject   string
	// InNBT is set for the message nodes of the intact file's NBT (items
	// in folders and orphans); others were found by a tool scanning
	// (deleted items).
	InNBT bool
	// Source is who told us what the item is: "mailsalvage", a peer tool,
	// or "ndb" (a message node no tool could read).
	Source string
}

// ToolFound is what one tool found in a file.
type ToolFound struct {
	Tool  string
	Items []Found
}

// Reference returns the items of the intact file: every message node of
// its NBT (m.Messages), identified by what mailsalvage's reading of the
// intact file (ours) or else a peer's says of it, then every item a tool
// found that matches none of them and can be identified (a Message-ID or
// a subject): deleted items found by scanning, or items a reader missed.
func Reference(m *Map, ours []Found, others ...ToolFound) []RefItem {
	byNID := map[ndb.NID]Found{}
	add := func(fs []Found) {
		for _, f := range fs {
			if _, ok := byNID[f.NID]; !ok && f.NID != 0 && !f.Unreadable {
				byNID[f.NID] = f
			}
		}
	}
	add(ours)
	source := map[ndb.NID]string{}
	for nid := range byNID {
		source[nid] = "mailsalvage"
	}
	for _, o := range others {
		for _, f := range o.Items {
			if _, ok := byNID[f.NID]; !ok && f.NID != 0 && !f.Unreadable {
				byNID[f.NID] = f
				source[f.NID] = o.Tool
			}
		}
	}
	var ref []RefItem
	inNBT := map[ndb.NID]bool{}
	for _, nid := range m.Messages() {
		inNBT[nid] = true
		r := RefItem{NID: nid, InNBT: true, Source: "ndb"}
		if f, ok := byNID[nid]; ok {
			r.MessageID, r.Subject, r.Source = f.MessageID, f.Subject, source[nid]
		}
		ref = append(ref, r)
	}
	seen := map[string]bool{}
	for _, o := range append([]ToolFound{{"mailsalvage", ours}}, others...) {
		s := Match(ref, o.Items)
		for i, f := range o.Items {
			// only what can be told apart: a Message-ID or a node id, and
			// not a node of the NBT the reference has already
			if s.used[i] || f.Unreadable || f.MessageID == "" && f.NID == 0 || inNBT[f.NID] {
				continue
			}
			if describesKnown(ref, f) {
				continue
			}
			key := fmt.Sprintf("%v\x00%s\x00%s", f.NID, f.MessageID, normSubject(f.Subject))
			if seen[key] {
				continue // another copy of one deleted item (pffexport finds several)
			}
			seen[key] = true
			ref = append(ref, RefItem{NID: f.NID, MessageID: f.MessageID, Subject: f.Subject, Source: o.Tool})
		}
	}
	return ref
}

// describesKnown reports whether a found item is a table row standing for
// an item the reference has: pffexport's recovered "items" include dead
// contents tables (a node of type 0x0E or 0x10, not a message), which it
// shows as the message their first row describes; one whose subject or
// Message-ID is that of a reference item is that item again, not another
// deleted one.
func describesKnown(ref []RefItem, f Found) bool {
	if t := f.NID.Type(); f.NID == 0 || t == ndb.NIDTypeNormalMessage || t == ndb.NIDTypeAssocMessage {
		return false
	}
	for _, r := range ref {
		if f.MessageID != "" && r.MessageID == f.MessageID || f.MessageID == "" && normSubject(f.Subject) != "" && normSubject(r.Subject) == normSubject(f.Subject) {
			return true
		}
	}
	return false
}

// Score is how many reference items a tool recovered.
type Score struct {
	Items, Recovered  int // all reference items
	IDs, IDsRecovered int // those with a Message-ID
	// Got says, per reference item, whether it was recovered.
	Got  []bool
	used []bool // per found item: matched
}

// Count returns how many of the reference items for which in is true
// were recovered, and how many there are.
func (s Score) Count(ref []RefItem, in func(RefItem) bool) (got, of int) {
	for i, r := range ref {
		if in(r) {
			of++
			if s.Got[i] {
				got++
			}
		}
	}
	return got, of
}

func normSubject(s string) string { return strings.Join(strings.Fields(s), " ") }

// subjectWords is the key of a subject-only match: its words, lower
// case, sorted, so that a contact readpst names "Razzaq, Saqib" (the
// vCard FN) is the item whose subject is "Saqib Razzaq".
func subjectWords(s string) string {
	w := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	sort.Strings(w)
	return strings.Join(w, " ")
}

// Match pairs the reference items with what a tool found, each found item
// with one reference item at most:
//
//  1. by Message-ID (an item with one in the reference is recovered only
//     by an item showing the same Message-ID, or, when the tool shows
//     none, by step 2 or 3), the same node id preferred;
//  2. by node id and subject, for tools that name node ids;
//  3. by subject alone (its words, in any order and case), for items of
//     tools that name no node id and show no Message-ID, when the subject
//     has words.
//
// Unreadable stand-ins recover nothing.
func Match(ref []RefItem, found []Found) Score {
	s := Score{Items: len(ref), Got: make([]bool, len(ref)), used: make([]bool, len(found))}
	byID := map[string][]int{}
	byNID := map[ndb.NID][]int{}
	bySubject := map[string][]int{}
	for i, f := range found {
		if f.Unreadable {
			continue
		}
		if f.MessageID != "" {
			byID[f.MessageID] = append(byID[f.MessageID], i)
		}
		if f.NID != 0 {
			byNID[f.NID] = append(byNID[f.NID], i)
		}
		if f.NID == 0 && f.MessageID == "" && subjectWords(f.Subject) != "" {
			k := subjectWords(f.Subject)
			bySubject[k] = append(bySubject[k], i)
		}
	}
	take := func(r int, cands []int, ok func(f Found) bool) bool {
		for _, i := range cands {
			if !s.used[i] && ok(found[i]) {
				s.used[i], s.Got[r] = true, true
				return true
			}
		}
		return false
	}
	// 1: Message-ID, the same node first (for every item, before any
	// takes another node's copy: two items may share a Message-ID)
	for r, it := range ref {
		if it.MessageID != "" && it.NID != 0 {
			take(r, byID[it.MessageID], func(f Found) bool { return f.NID == it.NID })
		}
	}
	for r, it := range ref {
		if it.MessageID != "" && !s.Got[r] {
			take(r, byID[it.MessageID], func(Found) bool { return true })
		}
	}
	// 2: node id and subject
	for r, it := range ref {
		if s.Got[r] || it.NID == 0 {
			continue
		}
		take(r, byNID[it.NID], func(f Found) bool {
			return (it.MessageID == "" || f.MessageID == "") && normSubject(f.Subject) == normSubject(it.Subject)
		})
	}
	// 3: subject, for tools without node ids
	for r, it := range ref {
		if s.Got[r] || subjectWords(it.Subject) == "" {
			continue
		}
		take(r, bySubject[subjectWords(it.Subject)], func(Found) bool { return true })
	}
	for r, it := range ref {
		if it.MessageID != "" {
			s.IDs++
			if s.Got[r] {
				s.IDsRecovered++
			}
		}
		if s.Got[r] {
			s.Recovered++
		}
	}
	return s
}

// Pct formats got of n as a percentage: "97.3%", "–" for n = 0.
func Pct(got, n int) string {
	if n == 0 {
		return "–"
	}
	return strconv.FormatFloat(100*float64(got)/float64(n), 'f', 1, 64) + "%"
}

// Row is one line of the recall table: one damaged copy of one file.
type Row struct {
	File   string
	Damage string // kind and parameters: "flip-bits 300 (seed 1)"
	Items  int    // reference items
	IDs    int    // of which with a Message-ID
	// Expected: items whose blocks are untouched, and those still
	// reachable through undamaged header roots and B-tree pages.
	Untouched, Reachable int
	// What each tool got back: items and items with a Message-ID.
	Ours, Readpst, Pff          int
	OursIDs, ReadpstIDs, PffIDs int
	// Notes: tool failures, timeouts, pending thresholds.
	Notes []string
}

// Table formats rows as a Markdown table: per file and damage, the items
// of the intact file, how many should come back, and each tool's recall
// (Message-IDs recovered of those with one; all items).
func Table(rows []Row) string {
	var b strings.Builder
	b.WriteString("| file | damage | items (with Message-ID) | untouched / reachable | mailsalvage | readpst | pffexport |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|\n")
	cell := func(ids, all int, r Row) string {
		if r.IDs == 0 {
			return fmt.Sprintf("%s (%d)", Pct(all, r.Items), all)
		}
		return fmt.Sprintf("%s (%d) · all %s", Pct(ids, r.IDs), ids, Pct(all, r.Items))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d (%d) | %d / %d | %s | %s | %s |\n", r.File, r.Damage, r.Items, r.IDs, r.Untouched, r.Reachable,
			cell(r.OursIDs, r.Ours, r), cell(r.ReadpstIDs, r.Readpst, r), cell(r.PffIDs, r.Pff, r))
	}
	return b.String()
}

// SortRows orders rows by file, then as given.
func SortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].File < rows[j].File })
}
