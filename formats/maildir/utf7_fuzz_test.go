package maildir

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFolderPath: Maildir++ folder directory names decode (modified
// UTF-7) to valid UTF-8 elements without panicking, a name that is valid
// modified UTF-7 is read back from its decoding, and no element is empty
// unless the name was. Names decoding to "/", ".." or control characters
// are allowed here: export.SafeElem makes them safe (see
// export/names_hostile_test.go and cmd/mailsalvage/hostile_test.go).
// Seeds: the ones below, those under testdata/fuzz/FuzzFolderPath (written
// for the test) and, when the corpus is present, the Maildir++ folder
// names of its maildir folder (".My Folder", ".My Folder.Nested Folder" of
// stalwart_mail-parser_maildirpp), read at run time.
func FuzzFolderPath(f *testing.F) {
	for _, s := range []string{
		".Sent", ".INBOX.Archive.2004", ".&AMk-t&AOk-", ".&AC8-etc&AC8-passwd", ".&AC4-&AC4-", ".A..B", ".A.",
		".&-", ".&", ".&AMk", ".&AGE-", ".&2D3eAQ-", ".&,,,-", "." + strings.Repeat("&AMk-", 500), ".\xff\xfe",
	} {
		f.Add(s)
	}
	for _, s := range corpusMaildirNames(true) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dir string) {
		parts := folderPath(dir)
		if len(parts) == 0 {
			t.Fatalf("no element for %q", dir)
		}
		for _, p := range parts {
			if p == "" && strings.TrimPrefix(dir, ".") != "" {
				t.Fatalf("empty element from %q: %q", dir, parts)
			}
		}
		if d, ok := decodeMUTF7(dir); ok {
			if !utf8.ValidString(d) {
				t.Fatalf("decoded %q to invalid UTF-8 %q", dir, d)
			}
			if strings.IndexByte(dir, '&') < 0 && d != dir {
				t.Fatalf("plain ASCII %q decoded to %q", dir, d)
			}
		}
	})
}
