package export

import (
	"path"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkElem fails unless e is one safe path element of at most max bytes.
func checkElem(t *testing.T, what, e string, max int) {
	t.Helper()
	switch {
	case e == "" || e == "." || e == "..":
		t.Fatalf("%s: element %q", what, e)
	case len(e) > max:
		t.Fatalf("%s: %d bytes > %d: %q", what, len(e), max, e)
	case !utf8.ValidString(e):
		t.Fatalf("%s: invalid UTF-8 %q", what, e)
	case strings.ContainsAny(e, "/\\:*?\"<>|\x00"):
		t.Fatalf("%s: forbidden character in %q", what, e)
	case strings.HasSuffix(e, ".") || strings.HasSuffix(e, " ") || strings.HasPrefix(e, " "):
		t.Fatalf("%s: leading space or trailing dot or space in %q", what, e)
	}
	for _, r := range e {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x202e || r == 0xfeff {
			t.Fatalf("%s: control character %U in %q", what, r, e)
		}
	}
	base := strings.ToLower(e)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if windowsReserved[strings.TrimRight(base, " ")] {
		t.Fatalf("%s: reserved Windows name %q", what, e)
	}
}

// checkFolderPath fails unless p is a relative slash path of safe elements
// within the bounds, that cannot leave its parent.
func checkFolderPath(t *testing.T, p string) {
	t.Helper()
	if p == "" {
		return
	}
	if len(p) > maxFolderPath {
		t.Fatalf("folder path of %d bytes", len(p))
	}
	if path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "../") {
		t.Fatalf("folder path %q is not clean and relative", p)
	}
	parts := strings.Split(p, "/")
	if len(parts) > maxFolderDepth {
		t.Fatalf("folder path of %d levels", len(parts))
	}
	for _, e := range parts {
		checkElem(t, "FolderPath", e, maxElem)
	}
}

// FuzzNames: whatever bytes a mailbox gives as folder names and subjects,
// the names written are single safe elements, valid UTF-8 and bounded.
// The folder string is split on 0x01 into levels, so that NUL itself
// reaches SafeElem.
func FuzzNames(f *testing.F) {
	for _, s := range []string{
		"Inbox", "../../etc/passwd", "/abs/path\x01C:\\Windows\\x", "CON\x01nul.txt\x01COM1 \x01lpt9.\x01com\u00b9",
		"trailing. . .\x01 lead", "a\x00b\x1bc\x7f", "\xff\xfe\xc3(", strings.Repeat("é", 3000),
		"\u202egpj.exe\x01\ufeffbom", ".\x01..\x01...", strings.Repeat("d\x01", 200),
	} {
		f.Add(s, s, int64(1086000000))
	}
	f.Fuzz(func(t *testing.T, folders, subject string, unix int64) {
		e := SafeElem(subject, 0)
		checkElem(t, "SafeElem", e, maxElem)
		for _, max := range []int{1, 3, 60} {
			checkElem(t, "SafeElem", SafeElem(subject, max), max+1) // "_" prefix of a reserved name
		}
		checkFolderPath(t, FolderPath(strings.Split(folders, "\x01")))
		var d time.Time
		if unix%2 == 0 {
			d = time.Unix(unix%(1<<40), 0)
		}
		n := MessageName(d, subject, strings.Repeat("ab", 32))
		checkElem(t, "MessageName", n, 120)
		if !strings.HasSuffix(n, "_abababababab.eml") {
			t.Fatalf("MessageName %q lost its hash", n)
		}
	})
}

func TestFolderPathBounds(t *testing.T) {
	long := strings.Repeat("x", 5000)
	deep := make([]string, 1000)
	for i := range deep {
		deep[i] = "level"
	}
	wide := make([]string, 40)
	for i := range wide {
		wide[i] = strings.Repeat("w", 90)
	}
	for name, folder := range map[string][]string{
		"one long": {long}, "deep": deep, "wide": wide, "deep dots": {"..", "..", ".."},
	} {
		p := FolderPath(folder)
		checkFolderPath(t, p)
		if len(folder) > 1 && strings.Count(p, "/") == 0 && len(p) < 100 {
			t.Errorf("%s: %q lost all levels", name, p)
		}
	}
	// deep paths that differ only below the bound stay distinct
	a := append(append([]string(nil), deep...), "a")
	b := append(append([]string(nil), deep...), "b")
	if FolderPath(a) == FolderPath(b) {
		t.Errorf("two deep folders share %q", FolderPath(a))
	}
	// shallow ones are unchanged by the bound
	if got := FolderPath([]string{"Inbox", "Projects"}); got != "Inbox/Projects" {
		t.Errorf("FolderPath = %q", got)
	}
	if got := FolderPath(wide[:15]); strings.Contains(got, "_deeper_") {
		t.Errorf("15 levels of 90 bytes fit, got %q", got)
	}
	short := make([]string, maxFolderDepth)
	for i := range short {
		short[i] = "s"
	}
	if got := FolderPath(short); strings.Contains(got, "_deeper_") {
		t.Errorf("%d short levels fit, got %q", maxFolderDepth, got)
	}
}
