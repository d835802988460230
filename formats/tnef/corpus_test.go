package tnef

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emersion/go-message"

	"github.com/mailsalvage/mailsalvage/formats/mapi"
	"github.com/mailsalvage/mailsalvage/internal/corpus"
)

type wantAttachment struct {
	name   string // PidTagAttachLongFilename, else PidTagAttachFilename
	size   int
	sha256 string
	mime   string // PidTagAttachMimeTag, when the writer set it
	// embedded: the subject of the embedded message, when the
	// attachment is one (size and sha256 are then unused).
	embedded string
}

type wantMessage struct {
	class, subject string
	sender         string // PidTagSenderEmailAddress
	recipients     []string
	// rtfRaw is the RAWSIZE field of PidTagRtfCompressed (MS-OXRTFCP
	// 2.1.3.1.1): the size of the decompressed RTF, which is the size of
	// the message.rtf that `tnef --save-body` writes.
	rtfRaw int
	// htmlSHA is the sha256 of PidTagHtml, the same as that of the
	// message.html `tnef --save-body` writes.
	htmlSHA     string
	attachments []wantAttachment
	warnings    []string // substrings, one per warning expected
}

// corpusTNEF is what the TNEF files of the corpus hold. Attachment names,
// sizes and sha256 are those `tnef -f FILE` (Debian's tnef 1.4.18)
// extracts; the bodies those of `tnef --save-body`. The tool stops on two
// of the files ("garbage at end of file": a CR LF after the last
// attribute) after extracting what they hold, and rejects POI__oom.tnef
// ("invalid checksum").
var corpusTNEF = map[string]wantMessage{
	"POI__bug52400-winmail-simple.dat": {
		class: "IPM.Note", subject: "Testing TNEF Message", sender: "Gaggletest2@anderson5.net",
		recipients: []string{"Gaggletest2@anderson5.net"},
		htmlSHA:    "a9ddce1bfa40bb0232e5f83e6f3df0d3e946073689090f83ab0ec4f6fade2c3f",
		warnings:   []string{"offset 4545 (0x11C1): 2 bytes after the last attribute"},
	},
	"POI__bug52400-winmail-with-attachments.dat": {
		class: "IPM.Note", subject: "TNEF test message with attachments", sender: "Gaggletest2@anderson5.net",
		recipients: []string{"Gaggletest2@anderson5.net"},
		htmlSHA:    "12dd0029bf8d79666e4fabd7dceaeb68cbf30e669c99a766f67ac0bf15bd61c4",
		attachments: []wantAttachment{
			{name: "scion_tc_2007_maintenanceguide.pdf", size: 193258, sha256: "b617b1efa60d79c40fbb6f201446ebce8d2fe4f9728c60ea9e2e64012ad6b26e", mime: "application/pdf"},
			{name: "Duke_Wave.png", size: 122016, sha256: "7c02c7331088a3169246fb8aec7f9c4f85f9192122a6b80d6e09d219cd68ec77", mime: "image/png"},
		},
		warnings: []string{"offset 321400 (0x4E778): 2 bytes after the last attribute"},
	},
	"POI__bug63955-winmail.dat": {
		class: "IPM.Note", subject: "Test", sender: "juliette@crescoeiendom.no",
		htmlSHA: "710d92067dc5f8e9d2b0275f502cbef8c21e72f5d59bc0f93e13482e750634f7",
		attachments: []wantAttachment{
			{name: "SI-61597.pdf", size: 236426, sha256: "b9261bf9cbbe2116e1a3c951cb7ae23c46d47922f6458e939cf7ec19673ac89d"},
			{name: "SI-61598.pdf", size: 236653, sha256: "f8f7f17b72e86d8ea26dc495c34907434a922f6667043e91388ca0f73f1955c3"},
		},
	},
	"POI__quick-winmail.dat": {
		// No subject anywhere in the stream; the class comes from the
		// legacy attMessageClass "IPM.Microsoft Mail.Note".
		class: "IPM.Note", rtfRaw: 25528,
		attachments: []wantAttachment{
			{name: "quick.doc", size: 19968, sha256: "1240639edc264abf046523eed4bd0a154b0c4e487a9ec8b74be9d0c51b7de124"},
			{name: "quick.html", size: 428, sha256: "5e7daab0b3edcfeec62bbde2371c95fc4fe7099469448abcee94cd49ffba072e"},
			{name: "quick.pdf", size: 18638, sha256: "263bea348ce44185f191b32efee29be44ef7ef7cc45ed32b9ae6753b1103d7d0"},
			{name: "quick.txt", size: 235, sha256: "becf39adaa5a3526600ed1d443b5fd382e9879c219a08d183c0660382c59fb56"},
			{name: "quick.xml", size: 143, sha256: "cc1704ac3bf0c4b83388c4e1912bbca08cc4dadcfc551521112b55794770a20c"},
		},
	},
	"POI__winmail-sample1.dat": {
		class: "IPM.Note", rtfRaw: 443,
		attachments: []wantAttachment{
			{name: "zappa_av1.jpg", size: 2937, sha256: "bea844f30e0fcc20fad419a0d11032a6465da93c1da185a1196949955994409a"},
			{name: "bookmark.htm", size: 85805, sha256: "1e08d6e23c75ff80ac992eebc24c2943c7843b7dfee235966b37de5eb4362599"},
		},
	},
	"POI__oom.tnef": {
		// 53 bytes: one attMsgProps with a bad checksum whose only
		// property, a multi-valued named PtypInteger32, claims
		// 0x340D0003 values. Nothing is allocated for them.
		class: "IPM.Note",
		warnings: []string{
			"offset 6 (0x6): attribute attMsgProps: checksum 0x0000, data sums to 0x02D5",
			"offset 47 (0x2F): attMsgProps: property 0x80001003 value count 873267203 cannot fit in the 0 bytes left",
		},
	},
}

func attachmentName(p *mapi.Properties) string {
	if s := p.Str(mapi.PidTagAttachLongFilename); s != "" {
		return s
	}
	return p.Str(mapi.PidTagAttachFilename)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func checkMessage(t *testing.T, m *mapi.Message, want wantMessage) {
	t.Helper()
	if got := m.Class(); got != want.class {
		t.Errorf("class %q, want %q", got, want.class)
	}
	if got := m.Props.Str(mapi.PidTagSubject); got != want.subject {
		t.Errorf("subject %q, want %q", got, want.subject)
	}
	if got := m.Props.Str(mapi.PidTagSenderEmailAddress); got != want.sender {
		t.Errorf("sender %q, want %q", got, want.sender)
	}
	var recips []string
	for _, r := range m.Recipients {
		recips = append(recips, r.Str(mapi.PidTagEmailAddress))
	}
	if strings.Join(recips, ",") != strings.Join(want.recipients, ",") {
		t.Errorf("recipients %q, want %q", recips, want.recipients)
	}
	rtf, _ := m.Props.Binary(mapi.PidTagRtfCompressed)
	if want.rtfRaw != 0 && (len(rtf) < 16 || int(binary.LittleEndian.Uint32(rtf[4:])) != want.rtfRaw || string(rtf[8:12]) != "LZFu") {
		t.Errorf("PidTagRtfCompressed of %d bytes, want RAWSIZE %d", len(rtf), want.rtfRaw)
	}
	if html, _ := m.Props.Binary(mapi.PidTagHtml); want.htmlSHA != "" && sha(html) != want.htmlSHA {
		t.Errorf("PidTagHtml sha256 %s, want %s", sha(html), want.htmlSHA)
	}
	if len(m.Attachments) != len(want.attachments) {
		t.Fatalf("%d attachments, want %d", len(m.Attachments), len(want.attachments))
	}
	for i, wa := range want.attachments {
		a := m.Attachments[i]
		if got := attachmentName(&a.Props); got != wa.name {
			t.Errorf("attachment %d: name %q, want %q", i, got, wa.name)
		}
		if got := a.Props.Str(mapi.PidTagAttachMimeTag); got != wa.mime {
			t.Errorf("attachment %d: mime %q, want %q", i, got, wa.mime)
		}
		if wa.embedded != "" {
			if a.Embedded == nil {
				t.Errorf("attachment %d: no embedded message", i)
			} else if got := a.Embedded.Props.Str(mapi.PidTagSubject); got != wa.embedded {
				t.Errorf("attachment %d: embedded subject %q, want %q", i, got, wa.embedded)
			}
			continue
		}
		data, _ := a.Props.Binary(mapi.PidTagAttachDataBinary)
		if len(data) != wa.size || sha(data) != wa.sha256 {
			t.Errorf("attachment %d: %d bytes sha256 %s, want %d bytes %s", i, len(data), sha(data), wa.size, wa.sha256)
		}
	}
	if len(m.Warnings) != len(want.warnings) {
		t.Errorf("warnings %q, want %q", m.Warnings, want.warnings)
		return
	}
	for i, w := range want.warnings {
		if !strings.Contains(m.Warnings[i], w) {
			t.Errorf("warning %q, want %q", m.Warnings[i], w)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, f := range corpus.Files(t, "tnef") {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := corpusTNEF[name]
			if !ok {
				t.Fatalf("%s is not in corpusTNEF: add what it holds", name)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m, err := Decode(b)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			// No more than a few times the input, whatever counts it
			// declares.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(4*len(b))+1<<20 {
				t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(b))
			}
			checkMessage(t, m, want)
		})
	}
}

// TestCorpusAgainstTnefTool compares the attachments with what Debian's
// tnef extracts from the same files, when it is installed.
func TestCorpusAgainstTnefTool(t *testing.T) {
	tool, err := exec.LookPath("tnef")
	if err != nil {
		t.Skip("tnef (the Debian package) is not installed")
	}
	for _, f := range corpus.Files(t, "tnef") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			dir := t.TempDir()
			// tnef exits non-zero on the files it finds damaged, after
			// extracting what it could.
			exec.Command(tool, "-f", f, "-C", dir, "--overwrite").Run()
			entries, _ := os.ReadDir(dir)
			extracted := map[string]string{}
			for _, e := range entries {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				extracted[e.Name()] = sha(b)
			}
			b, _ := os.ReadFile(f)
			m, _ := Decode(b)
			if m == nil {
				t.Fatal("no message")
			}
			if len(extracted) > len(m.Attachments) {
				t.Errorf("tnef extracted %d files, we found %d attachments", len(extracted), len(m.Attachments))
			}
			for _, a := range m.Attachments {
				data, _ := a.Props.Binary(mapi.PidTagAttachDataBinary)
				name := attachmentName(&a.Props)
				if got, ok := extracted[name]; !ok || got != sha(data) {
					t.Errorf("attachment %q: tnef extracted sha256 %q (present %v), we have %s", name, got, ok, sha(data))
				}
			}
		})
	}
}

// tnefParts returns the decoded bodies of the application/ms-tnef parts
// of a MIME message.
func tnefParts(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("corpus file: %v", err)
	}
	defer f.Close()
	e, err := message.Read(f)
	if e == nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var parts [][]byte
	err = e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt == "application/ms-tnef" || mt == "application/vnd.ms-tnef" {
			b, err := io.ReadAll(p.Body)
			if err != nil {
				return err
			}
			parts = append(parts, b)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", path, err)
	}
	return parts
}

func TestEMLCorpus(t *testing.T) {
	dir := corpus.Dir(t, "eml")

	t.Run("Aspose__tnefEml1.eml", func(t *testing.T) {
		// A multipart/mixed message with a winmail.dat part: a UTF-8
		// TNEF stream (attOemCodepage 65001) with four recipients, two
		// JPEG attachments and an embedded message carrying a third
		// copy of the JPEG. `tnef --save-body` gives a message.rtf of
		// 24355 bytes, 1.jpg and image001.jpg with the sha256 below, and
		// "Embedded MSG.msg": the object's 16-byte IID_IMessage and the
		// 13119-byte TNEF stream of the embedded message, which we
		// decode; `tnef --save-body` on that stream gives a message.rtf
		// of 24315 bytes and image001.jpg.
		parts := tnefParts(t, filepath.Join(dir, "Aspose__tnefEml1.eml"))
		if len(parts) != 1 {
			t.Fatalf("%d TNEF parts", len(parts))
		}
		m, err := Decode(parts[0])
		if err != nil {
			t.Fatal(err)
		}
		const jpeg = "f972b16e82b7ac204d09b53afec54017ad9014cd2d2ccfbb1b57454657079a91"
		checkMessage(t, m, wantMessage{
			class: "IPM.Note", subject: "New message created by Aspose.Email for Java(Aspose.Email Evaluation)",
			sender: "from@domain.com", rtfRaw: 24355,
			recipients: []string{"to1@domain.com", "to2@domain.com", "cc1@domain.com", "cc2@domain.com"},
			attachments: []wantAttachment{
				{name: "1.jpg", size: 5276, sha256: jpeg},
				{name: "Embedded MSG.msg", embedded: "Embedded MSG "},
				{name: "image001.jpg", size: 5276, sha256: jpeg, mime: "image/jpeg"},
			},
		})
		if m.Props.CodePage != 65001 {
			t.Errorf("CodePage %d", m.Props.CodePage)
		}
		var types []int64
		for _, r := range m.Recipients {
			rt, _ := r.Int(mapi.PidTagRecipientType)
			types = append(types, rt)
		}
		if len(types) != 4 || types[0] != mapi.RecipTo || types[1] != mapi.RecipTo || types[2] != mapi.RecipCc || types[3] != mapi.RecipCc {
			t.Errorf("recipient types %v", types)
		}
		em := m.Attachments[1].Embedded
		if em == nil {
			t.FailNow()
		}
		wantInt(t, &m.Attachments[1].Props, mapi.PidTagAttachMethod, mapi.AttachEmbeddedMessage)
		checkMessage(t, em, wantMessage{
			class: "IPM.Note", subject: "Embedded MSG ", rtfRaw: 24315,
			recipients: []string{"receiver@receiver.com"},
			attachments: []wantAttachment{
				{name: "image001.jpg", size: 5276, sha256: jpeg, mime: "image/jpeg"},
			},
		})
	})

	t.Run("Aspose__tnefWithMsgInside.eml", func(t *testing.T) {
		// A message whose whole body is a winmail.dat (sent with
		// Content-Transfer-Encoding: binary) holding an embedded message,
		// "case 2a", which holds a .docx. `tnef` lists "case 2a" (the
		// object: IID_IMessage and the nested stream) and, run on the
		// nested stream, extracts 5e76ryjj.docx with the sha256 below
		// and a message.rtf of 1038 bytes. The part ends with the CR LF
		// that ends the MIME body.
		parts := tnefParts(t, filepath.Join(dir, "Aspose__tnefWithMsgInside.eml"))
		if len(parts) != 1 {
			t.Fatalf("%d TNEF parts", len(parts))
		}
		part := parts[0]
		m, err := Decode(part)
		if err != nil {
			t.Fatal(err)
		}
		checkMessage(t, m, wantMessage{
			class: "IPM.Note", subject: "asvasfvasvf", sender: "Administrator@protect-test.com",
			recipients:  []string{"aleksandr.semenel@softheme.com", "3cx@protect-test.com"},
			htmlSHA:     "8a7a04f1dbd0b2f2b0b5e723e65806a100deb42143a84f6d717f30f358126a58",
			attachments: []wantAttachment{{name: "case 2a", embedded: "case 2a"}},
			warnings:    []string{"offset 42149 (0xA4A5): 2 bytes after the last attribute"},
		})
		if em := m.Attachments[0].Embedded; em != nil {
			checkMessage(t, em, wantMessage{
				class: "IPM.Note", subject: "case 2a", sender: "aleksandr.semenel@softheme.com", rtfRaw: 1038,
				recipients: []string{"aleksandr.semenel@softheme.com"},
				attachments: []wantAttachment{{
					name: "5e76ryjj.docx", size: 16012,
					sha256: "8dcd5b9d9922aeb4a987abe3585e3752995bb0b141fb7201c9d2e0a9df3ad7dc",
					mime:   "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
				}},
			})
		}

		// The same stream after a copy that turned CR LF into LF (as a
		// text-mode transfer of this binary part would): lengths in the
		// message properties no longer match the data. Decoding keeps
		// what comes before the damage, finds the next attribute (the
		// attachment's attAttachRendData, inside what the damaged
		// attMsgProps claims) and goes on: the embedded message and its
		// .docx, which hold no CR LF, come out whole.
		damaged := bytes.ReplaceAll(part, []byte("\r\n"), []byte("\n"))
		m, err = Decode(damaged)
		var fe *FormatError
		if !errors.As(err, &fe) || fe.Offset != 7769 {
			t.Fatalf("damaged: error %v, want a FormatError at offset 7769", err)
		}
		checkMessage(t, m, wantMessage{
			class:       "IPM.Note", // the default: the damage hid PidTagMessageClass
			recipients:  []string{"aleksandr.semenel@softheme.com", "3cx@protect-test.com"},
			attachments: []wantAttachment{{name: "case 2a", embedded: "case 2a"}},
			warnings: []string{
				"offset 1362 (0x552): attribute attMsgProps: checksum",
				"offset 3023 (0xBCF): attMsgProps: property 0x6D2D7361 has type 0x7361",
				"offset 7769 (0x1E59): attribute level 0x03 is neither message (1) nor attachment (2); decoding goes on at the next attribute found, at offset 7697",
				"offset 42077 (0xA45D): 1 byte after the last attribute",
			},
		})
		if em := m.Attachments[0].Embedded; em != nil && len(em.Attachments) == 1 {
			if d, _ := em.Attachments[0].Props.Binary(mapi.PidTagAttachDataBinary); sha(d) != "8dcd5b9d9922aeb4a987abe3585e3752995bb0b141fb7201c9d2e0a9df3ad7dc" {
				t.Error("the .docx of the damaged stream differs")
			}
		} else {
			t.Error("the damaged stream's embedded message is lost")
		}
	})
}
