package maildir

import "strings"

// Name is a Maildir file name taken apart. The zero value (with Size and
// VSize of -1, as ParseName sets them) describes a name with no info and no
// size fields.
type Name struct {
	// Unique is the part before the info separator: the unique name the
	// delivering agent chose, with any ",S=" and ",W=" fields still in it.
	// For a name without info it is the whole name.
	Unique string
	// Sep is the info separator found: ':' (the standard one), '!' or ';'
	// (variants for file systems that cannot hold a colon), or 0 when the
	// name has no info.
	Sep byte
	// Info is everything after Sep, unparsed ("2,RS", "1,anything").
	Info string
	// Flags holds the uppercase letters of "2," info in the order they
	// appear, each once: P passed, R replied, S seen, T trashed, D draft,
	// F flagged, and any other letter a client used.
	Flags string
	// Keywords holds the lowercase letters of "2," info, each once:
	// Dovecot keywords, which the folder's dovecot-keywords file maps to
	// names ("a" is keyword 0).
	Keywords string
	// Experimental is the text after "1,", kept raw: the description leaves
	// its meaning to the software that wrote it.
	Experimental string
	// Size is the ",S=" field of the unique part (Courier, Dovecot): the
	// size of the file in bytes, or -1 when absent or not a number.
	Size int64
	// VSize is the ",W=" field (Dovecot): the size of the message with CRLF
	// line endings, or -1 when absent or not a number.
	VSize int64
}

// Flag letters of "2," info (D. J. Bernstein's description, "Info semantics").
const (
	FlagPassed  = 'P' // resent, forwarded or bounced
	FlagReplied = 'R'
	FlagSeen    = 'S'
	FlagTrashed = 'T' // marked for deletion; removed at the next expunge
	FlagDraft   = 'D'
	FlagFlagged = 'F'
)

// Has reports whether the name carries the given flag letter.
func (n Name) Has(flag byte) bool {
	return strings.IndexByte(n.Flags, flag) >= 0
}

// ParseName takes a Maildir file name apart. It accepts any string and never
// fails: what does not fit the conventions is left in Unique or Info.
//
// The info separator is the first ':' in the name. Without a colon, the first
// '!' or ';' that is followed by "1," or "2," is taken instead: mu, Dovecot
// (maildir_broken_filename_chars) and others write those where a colon is
// not allowed.
func ParseName(name string) Name {
	n := Name{Size: -1, VSize: -1}
	i := strings.IndexByte(name, ':')
	if i < 0 {
		i = windowsSep(name)
	}
	if i < 0 {
		n.Unique = name
	} else {
		n.Unique, n.Sep, n.Info = name[:i], name[i], name[i+1:]
	}
	n.parseFields()
	n.parseInfo()
	return n
}

// windowsSep returns the index of the first '!' or ';' followed by "1," or
// "2,", or -1.
func windowsSep(name string) int {
	for i := 0; i+2 < len(name); i++ {
		c := name[i]
		if (c == '!' || c == ';') && (name[i+1] == '1' || name[i+1] == '2') && name[i+2] == ',' {
			return i
		}
	}
	return -1
}

// parseFields reads the ",S=<size>" and ",W=<vsize>" fields that Courier and
// Dovecot append to the unique part. The first well-formed one of each wins.
func (n *Name) parseFields() {
	rest := n.Unique
	first := true
	for rest != "" {
		var field string
		field, rest, _ = strings.Cut(rest, ",")
		if first {
			first = false // the base of the unique name, never a field
			continue
		}
		if len(field) < 3 || field[1] != '=' {
			continue
		}
		v, ok := parseSize(field[2:])
		if !ok {
			continue
		}
		switch field[0] {
		case 'S':
			if n.Size < 0 {
				n.Size = v
			}
		case 'W':
			if n.VSize < 0 {
				n.VSize = v
			}
		}
	}
}

// parseSize parses a decimal size of at most 18 digits, so that it cannot
// overflow an int64.
func parseSize(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseInfo reads "2,<flags>" and "1,<experimental>". Flags end at the first
// ',' (Dovecot reserves what follows for extensions).
func (n *Name) parseInfo() {
	switch {
	case strings.HasPrefix(n.Info, "2,"):
		flags := n.Info[2:]
		if i := strings.IndexByte(flags, ','); i >= 0 {
			flags = flags[:i]
		}
		var upper, lower []byte
		for i := 0; i < len(flags); i++ {
			c := flags[i]
			switch {
			case c >= 'A' && c <= 'Z' && !contains(upper, c):
				upper = append(upper, c)
			case c >= 'a' && c <= 'z' && !contains(lower, c):
				lower = append(lower, c)
			}
		}
		n.Flags, n.Keywords = string(upper), string(lower)
	case strings.HasPrefix(n.Info, "1,"):
		n.Experimental = n.Info[2:]
	}
}

func contains(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
