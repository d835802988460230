package mapi

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"

	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

// Streams of a .msg root storage (MS-OXMSG 2.1.3): PidTagRtfCompressed
// and PidTagBody.
const (
	rtfTestRTFStream  = "__substg1.0_10090102"
	rtfTestBodyStream = "__substg1.0_1000001F"
)

type rtfCorpusStream struct {
	file    string // base name
	rtf     []byte // the compressed stream
	body    string // PidTagBody, "" when absent
	damaged bool   // the manifest says the file is fuzzed or bogus
}

// rtfCorpusStreams returns the top-level RTF streams of the .msg files
// of the shared corpus, skipping the test when it is absent.
func rtfCorpusStreams(t *testing.T) []rtfCorpusStream {
	t.Helper()
	files := corpus.Files(t, "msg")
	damaged := rtfCorpusDamaged(filepath.Join(corpus.Root(), "MANIFEST.tsv"))
	var out []rtfCorpusStream
	for _, path := range files {
		name := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := mscfb.New(f)
		if err != nil {
			f.Close()
			continue // not a compound file; formats/msg tests these
		}
		c := rtfCorpusStream{file: name, damaged: damaged["msg/"+name]}
		for e, err := r.Next(); err == nil; e, err = r.Next() {
			if len(e.Path) != 0 {
				continue // attachments and recipients
			}
			switch e.Name {
			case rtfTestRTFStream:
				c.rtf, _ = io.ReadAll(io.LimitReader(e, 256<<20))
			case rtfTestBodyStream:
				b, _ := io.ReadAll(io.LimitReader(e, 256<<20))
				c.body = DecodeUTF16(b)
			}
		}
		f.Close()
		if c.rtf != nil {
			out = append(out, c)
		}
	}
	return out
}

// rtfCorpusDamaged reads the manifest's notes for the files that are
// damaged on purpose.
func rtfCorpusDamaged(manifest string) map[string]bool {
	out := map[string]bool{}
	f, err := os.Open(manifest)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) > 4 && regexp.MustCompile(`FUZZED|NEGATIVE|NOT-CFB|damaged|truncated`).MatchString(cols[4]) {
			out[cols[0]] = true
		}
	}
	return out
}

func TestCorpusRTF(t *testing.T) {
	streams := rtfCorpusStreams(t)
	var nHTML, nText, nPlain int
	for _, c := range streams {
		rtf, err := DecompressRTF(c.rtf)
		if c.damaged {
			t.Logf("%s (damaged on purpose): %d bytes, %v", c.file, len(rtf), err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if !bytes.HasPrefix(rtf, []byte(`{\rtf`)) {
			t.Errorf("%s: decompressed RTF starts %q", c.file, rtf[:min(len(rtf), 16)])
			continue
		}
		switch rtfEncapsulation(rtf) {
		case rtfFromHTML:
			nHTML++
			html, ok := HTMLFromRTF(rtf)
			if !ok || !utf8.Valid(html) || !bytes.Contains(html, []byte("<")) {
				t.Errorf("%s: HTMLFromRTF gave %d bytes, ok %v", c.file, len(html), ok)
			}
			if _, ok := TextFromRTF(rtf); ok {
				t.Errorf("%s: encapsulated HTML taken for text", c.file)
			}
		case rtfFromText:
			nText++
			text, ok := TextFromRTF(rtf)
			if !ok {
				t.Errorf("%s: TextFromRTF not ok", c.file)
			}
			// Outlook keeps the same text in PidTagBody.
			if c.body != "" && rtfNormSpace(text) != rtfNormSpace(c.body) && !rtfBodyDiffers[c.file] {
				t.Errorf("%s: TextFromRTF differs from PidTagBody:\n%.200q\n%.200q", c.file, rtfNormSpace(text), rtfNormSpace(c.body))
			}
		default:
			nPlain++
			if _, ok := HTMLFromRTF(rtf); ok {
				t.Errorf("%s: plain RTF taken for encapsulated HTML", c.file)
			}
			plain := PlainFromRTF(rtf)
			if c.body != "" && rtfNormSpace(plain) != rtfNormSpace(c.body) {
				t.Errorf("%s: PlainFromRTF differs from PidTagBody:\n%.200q\n%.200q", c.file, rtfNormSpace(plain), rtfNormSpace(c.body))
			}
		}
	}
	t.Logf("%d RTF streams: %d encapsulated HTML, %d encapsulated text, %d RTF", len(streams), nHTML, nText, nPlain)
	if nHTML == 0 || nText == 0 || nPlain == 0 {
		t.Errorf("expected each kind of RTF body in the corpus")
	}
}

// Files whose PidTagBody is not the text of their RTF.
var rtfBodyDiffers = map[string]bool{
	// PidTagBody reads "p汬ain" where the RTF has "plain".
	"msgconvert__plain_uc_wc_unsent.msg": true,
}

func rtfNormSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// What known corpus messages must give.
func TestCorpusRTFContent(t *testing.T) {
	streams := rtfCorpusStreams(t)
	byName := map[string][]byte{}
	for _, c := range streams {
		rtf, _ := DecompressRTF(c.rtf)
		byName[c.file] = rtf
	}
	tests := []struct {
		file    string
		kind    string // html, text or plain
		want    []string
		notWant []string
	}{
		{"MSGReader__HtmlSampleEmail.msg", "html",
			[]string{"<html", "<body", "BOOK ONE: 1805", "Genoa and Lucca", "Buonapartes"}, nil},
		{"MSGReader__HtmlSampleEmailWithAttachment.msg", "html",
			[]string{"<html", "<body lang=EN-GB", "This is a sample HTML email with an attachment", "Leeds City Council", "\t{font-family:\"Cambria Math\";\r\n"},
			[]string{`\par`, "htmlrtf"}},
		{"MSGReader__RtfWithShortRussianString.msg", "html",
			[]string{"«Имя пользователя»"}, nil},
		{"msgreader__nonUnicodeCP932.msg", "html",
			[]string{`>日本語</span>`, `<span lang=EN-US>Non Unicode </span>`, `>本文<`}, nil},
		{"hughbe-MsgReader__lolo101__MsgViewer__rtf.msg", "html",
			[]string{"经过汇总"}, nil},
		{"POI__attachment_msg_inlineImg.msg", "html",
			[]string{`src="cid:image001.png@01D0A524.96D40F30"`},
			[]string{"htmlbase", "ATT-0-image001.png"}},
		{"POI__cyrillic_message.msg", "text",
			[]string{"Ваше сообщение с темой \"FW: RTM\"", "\r\n10595000.58B\r\n"}, nil},
		{"Tika__testMSG.msg", "text",
			[]string{"Hi,\r\n\r\nAs discussed", "Jukka Zitting"}, nil},
		{"MSGReader__RtfSampleEmail.msg", "plain",
			[]string{"chris.wilson@leeds.gov.uk <https://webmail.leeds.gov.uk/owa/redir.aspx?SURL="},
			[]string{"HYPERLINK", "Times New Roman"}},
	}
	for _, tc := range tests {
		rtf, ok := byName[tc.file]
		if !ok {
			t.Errorf("%s: no RTF body found", tc.file)
			continue
		}
		var got string
		switch tc.kind {
		case "html":
			h, ok := HTMLFromRTF(rtf)
			if !ok {
				t.Errorf("%s: not encapsulated HTML", tc.file)
			}
			got = string(h)
		case "text":
			got, ok = TextFromRTF(rtf)
			if !ok {
				t.Errorf("%s: not encapsulated text", tc.file)
			}
		default:
			got = PlainFromRTF(rtf)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %s lacks %q", tc.file, tc.kind, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: %s has %q", tc.file, tc.kind, w)
			}
		}
	}
}
