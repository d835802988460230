package bounce

import (
	"bufio"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

//go:embed data/*.tsv
var dataFS embed.FS

// The reasons, named as sisimai names them so that results can be compared
// with it.
const (
	UserUnknown     = "userunknown"
	HostUnknown     = "hostunknown"
	MailboxFull     = "mailboxfull"
	MesgTooBig      = "mesgtoobig"
	ExceedLimit     = "exceedlimit"
	Suspend         = "suspend"
	HasMoved        = "hasmoved"
	NoRelaying      = "norelaying"
	SecurityError   = "securityerror"
	Rejected        = "rejected"
	Blocked         = "blocked"
	SpamDetected    = "spamdetected"
	PolicyViolation = "policyviolation"
	VirusDetected   = "virusdetected"
	Filtered        = "filtered"
	Expired         = "expired"
	NetworkError    = "networkerror"
	SystemError     = "systemerror"
	SystemFull      = "systemfull"
	MailerError     = "mailererror"
	TooManyConn     = "toomanyconn"
	ContentError    = "contenterror"
	NotAccept       = "notaccept"
	SyntaxError     = "syntaxerror"
	OnHold          = "onhold"
	Undefined       = "undefined"
)

// Reasons lists every reason Parse can give.
var Reasons = []string{
	UserUnknown, HostUnknown, MailboxFull, MesgTooBig, ExceedLimit, Suspend, HasMoved,
	NoRelaying, SecurityError, Rejected, Blocked, SpamDetected, PolicyViolation,
	VirusDetected, Filtered, Expired, NetworkError, SystemError, SystemFull,
	MailerError, TooManyConn, ContentError, NotAccept, SyntaxError, OnHold, Undefined,
}

// Pattern is one row of data/patterns.tsv or data/sisimai-phrases.tsv.
type Pattern struct {
	Reason  string
	Expr    *regexp.Regexp // set by Patterns
	expr    string
	Example string
	File    string // data/patterns.tsv or data/sisimai-phrases.tsv
	Line    int
	// Definite rows (their reason is written "userunknown!" in the
	// file) are the words a mail system's own error table uses for
	// that reason: they name it even where the status code or the SMTP
	// stage would otherwise overrule words (see classify). A definite
	// networkerror row (a failed name lookup) is named even where the
	// message expired of it.
	Definite bool
}

// StatusRow is one row of data/status.tsv: an enhanced status code (its
// class digit may be "X", standing for 4 and 5) and its reason.
type StatusRow struct {
	Code, Reason, Meaning string
}

var (
	patterns    []Pattern
	byReason    map[string]*regexp.Regexp // the patterns of a reason, as one alternation
	definiteBy  map[string]*regexp.Regexp // the rows marked "!" of a reason, as one alternation
	statusTable map[string]StatusRow      // "4.7.1" or "X.7.1"
	explainEN   map[string]string
	explainJA   map[string]string
)

// tables loads the tables on first use: compiling their expressions
// takes some 30 ms, which every run of the command would pay at start,
// explaining a bounce or not.
var tables = sync.OnceFunc(func() {
	loadTables()
	loadAgents()
	loadProviders()
})

// patternFiles hold the pattern rows: our own, then the phrases taken
// from sisimai (data/sisimai-phrases.tsv says from where, under which
// licence).
var patternFiles = []string{"data/patterns.tsv", "data/sisimai-phrases.tsv"}

func loadTables() {
	byReason = map[string]*regexp.Regexp{}
	alts := map[string][]string{}
	statusTable = map[string]StatusRow{}
	explainEN, explainJA = map[string]string{}, map[string]string{}
	valid := map[string]bool{}
	for _, r := range Reasons {
		valid[r] = true
	}
	definiteAlts := map[string][]string{}
	for _, file := range patternFiles {
		readTSV(file, 3, func(line int, f []string) {
			definite := strings.HasSuffix(f[0], "!")
			f[0] = strings.TrimSuffix(f[0], "!")
			if definite {
				definiteAlts[f[0]] = append(definiteAlts[f[0]], "(?:"+f[1]+")")
			}
			if !valid[f[0]] {
				panic(fmt.Sprintf("bounce: %s:%d: unknown reason %q", file, line, f[0]))
			}
			patterns = append(patterns, Pattern{Reason: f[0], expr: f[1], Example: f[2], File: file, Line: line, Definite: definite})
			alts[f[0]] = append(alts[f[0]], "(?:"+f[1]+")")
		})
	}
	// Only the alternations are compiled here (each row on its own too
	// doubled the 5 ms this takes); a row that breaks its alternation
	// is found and named.
	for r, a := range alts {
		byReason[r] = compileAlternation(r, a)
	}
	definiteBy = map[string]*regexp.Regexp{}
	for r, a := range definiteAlts {
		definiteBy[r] = compileAlternation(r, a)
	}
	readTSV("data/status.tsv", 3, func(line int, f []string) {
		if !valid[f[1]] {
			panic(fmt.Sprintf("bounce: data/status.tsv:%d: unknown reason %q", line, f[1]))
		}
		statusTable[f[0]] = StatusRow{Code: f[0], Reason: f[1], Meaning: f[2]}
	})
	readTSV("data/explain.tsv", 3, func(line int, f []string) {
		if !valid[f[0]] && f[0] != delayedKey {
			panic(fmt.Sprintf("bounce: data/explain.tsv:%d: unknown reason %q", line, f[0]))
		}
		explainEN[f[0]], explainJA[f[0]] = f[1], f[2]
	})
}

// readTSV calls fn for every non-comment row of an embedded table; a row
// with the wrong number of columns is a programming error.
func readTSV(name string, cols int, fn func(line int, f []string)) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		panic("bounce: " + err.Error())
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	n := 0
	for sc.Scan() {
		n++
		t := sc.Text()
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != cols {
			panic(fmt.Sprintf("bounce: %s:%d: %d columns, want %d", name, n, len(f), cols))
		}
		fn(n, f)
	}
}

// compileAlternation compiles the rows of a reason as one alternation;
// if that fails, the row at fault is named in the panic.
func compileAlternation(reason string, alts []string) *regexp.Regexp {
	re, err := regexp.Compile(strings.Join(alts, "|"))
	if err == nil {
		return re
	}
	for _, p := range patterns {
		if p.Reason != reason {
			continue
		}
		if _, perr := regexp.Compile(p.expr); perr != nil {
			panic(fmt.Sprintf("bounce: %s:%d: %v", p.File, p.Line, perr))
		}
	}
	panic(fmt.Sprintf("bounce: the patterns of %s: %v", reason, err))
}

// Patterns returns the rows of the pattern table, in file order, each
// with its expression compiled (classification uses only the per-reason
// alternations, so this is compiled here, on demand).
func Patterns() []Pattern {
	tables()
	out := append([]Pattern(nil), patterns...)
	for i := range out {
		out[i].Expr = regexp.MustCompile(out[i].expr)
	}
	return out
}

// StatusReason returns the reason an enhanced status code stands for on
// its own, from data/status.tsv, or "" for codes that say nothing specific
// (X.0.0, X.4.0...).
func StatusReason(status string) string {
	if !validStatus(status) {
		return ""
	}
	tables()
	if r, ok := statusTable[status]; ok {
		return r.Reason
	}
	if r, ok := statusTable["X"+status[1:]]; ok {
		return r.Reason
	}
	return ""
}

// delayedKey is the row of data/explain.tsv said of a delayed delivery.
const delayedKey = "delayed"

// ExplainFor is Explain for a recipient whose DSN action is action: a
// delivery only delayed ("delayed") is said to be a warning, before the
// reason's text (alone for expired, whose text is of a message given up).
func ExplainFor(reason, action, lang string) string {
	if action != "delayed" {
		return Explain(reason, lang)
	}
	d := Explain(delayedKey, lang)
	if reason == Expired || reason == OnHold || reason == Undefined {
		return d
	}
	sep := " "
	if lang == "ja" {
		sep = ""
	}
	return d + sep + Explain(reason, lang)
}

// Explain returns the plain-language explanation of a reason in lang
// ("en" or "ja"; anything else is English).
func Explain(reason, lang string) string {
	tables()
	t := explainEN
	if lang == "ja" {
		t = explainJA
	}
	if s, ok := t[reason]; ok {
		return s
	}
	return t[Undefined]
}
