package image

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// TestCorpusImage reads the real E01 of the corpus (Digital Corpora's
// nps-2010-emails, from bulk_extractor's tests) and compares it byte for
// byte with its raw export (ewfexport), and its MD5 with the stored one.
func TestCorpusImage(t *testing.T) {
	var e01, raw string
	for _, f := range corpus.Files(t, "images") {
		switch {
		case strings.HasSuffix(f, ".E01"):
			e01 = f
		case strings.HasSuffix(f, "nps-2010-emails.raw"):
			raw = f
		}
	}
	if e01 == "" || raw == "" {
		t.Skip("corpus image or its raw form not found")
	}
	want, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	img := mustOpen(t, e01)
	if img.Format() != FormatEWF || img.Size() != int64(len(want)) {
		t.Fatalf("Format %q Size %d, want ewf %d", img.Format(), img.Size(), len(want))
	}
	got := readAll(t, img, 65_537)
	if !bytes.Equal(got, want) {
		t.Fatalf("E01 reads differently from its raw form: %s", firstDiff(got, want))
	}
	md5, sha1 := img.StoredHashes()
	if md5 != md5hex(want) || md5 != "7dae50cec8163697415e69fd72387c01" {
		t.Errorf("stored MD5 %q, raw MD5 %s", md5, md5hex(want))
	}
	if sha1 != "" {
		t.Errorf("stored SHA-1 %q: the image has no digest section", sha1)
	}
	if ws := img.Warnings(); len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	// The raw file opens as raw, the first 100k slice is its prefix.
	r := mustOpen(t, raw)
	if r.Format() != FormatRaw || r.Size() != int64(len(want)) {
		t.Errorf("raw: Format %q Size %d", r.Format(), r.Size())
	}
	if slice := filepath.Join(filepath.Dir(raw), "bulk_extractor__nps-2010-emails.100k.raw"); fileExists(slice) {
		b, _ := os.ReadFile(slice)
		if !bytes.Equal(b, want[:len(b)]) {
			t.Errorf("the 100k slice is not the prefix of the raw image")
		}
	}
	if v := ewfverify(t, e01); v != md5hex(got) {
		t.Errorf("ewfverify calculates %s, we %s", v, md5hex(got))
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
