package export

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

type dfxmlDoc struct {
	XMLName xml.Name `xml:"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML dfxml"`
	Version string   `xml:"version,attr"`
	Creator struct {
		Program string `xml:"program"`
		Command string `xml:"execution_environment>command_line"`
	} `xml:"creator"`
	Images []string `xml:"source>image_filename"`
	Files  []struct {
		Filename string `xml:"filename"`
		Filesize int64  `xml:"filesize"`
		Runs     []struct {
			FileOffset *int64 `xml:"file_offset,attr"`
			ImgOffset  int64  `xml:"img_offset,attr"`
			Len        int64  `xml:"len,attr"`
			Decoded    string `xml:"https://github.com/mailsalvage/mailsalvage/dfxml decoded,attr"`
		} `xml:"byte_runs>byte_run"`
		Hashes []struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"hashdigest"`
		Evidence  string `xml:"https://github.com/mailsalvage/mailsalvage/dfxml evidence"`
		State     string `xml:"https://github.com/mailsalvage/mailsalvage/dfxml state"`
		Subject   string `xml:"https://github.com/mailsalvage/mailsalvage/dfxml subject"`
		Container *struct {
			Kind      string `xml:",chardata"`
			ImgOffset int64  `xml:"img_offset,attr"`
			Len       int64  `xml:"len,attr"`
		} `xml:"https://github.com/mailsalvage/mailsalvage/dfxml container"`
	} `xml:"fileobject"`
}

func TestDFXML(t *testing.T) {
	r := newImageRun(t)
	recs := readLog(t, r.out)
	b, err := os.ReadFile(filepath.Join(r.out, DFXMLFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc dfxmlDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	if doc.Version == "" || doc.Creator.Program != "mailsalvage" || !strings.Contains(doc.Creator.Command, "carve") ||
		len(doc.Images) != 1 || doc.Images[0] != r.image {
		t.Errorf("header: %+v", doc)
	}
	if len(doc.Files) != len(recs) {
		t.Fatalf("%d fileobjects for %d provenance lines", len(doc.Files), len(recs))
	}
	wantRuns := []string{"0:4096", "0:16640", "", "", "0:40960 100:45056", "-:49152", "0:53248"}
	for i, f := range doc.Files {
		rec := recs[i]
		if f.Filename != rec.File || f.Filesize != rec.Size || f.Evidence != rec.Source.Path || f.State != string(rec.State) || f.Subject != rec.Subject {
			t.Errorf("fileobject %d: %+v for %+v", i, f, rec)
		}
		if len(f.Hashes) != 2 || f.Hashes[0].Type != "md5" || f.Hashes[0].Value != rec.MD5 || f.Hashes[1].Type != "sha256" || f.Hashes[1].Value != rec.SHA256 {
			t.Errorf("fileobject %d hashes %+v", i, f.Hashes)
		}
		var runs []string
		for _, br := range f.Runs {
			fo := "-"
			if br.FileOffset != nil {
				fo = itoa(*br.FileOffset)
			}
			runs = append(runs, fo+":"+itoa(br.ImgOffset))
			if br.FileOffset == nil && br.Decoded != "utf-16le" {
				t.Errorf("fileobject %d: a run with no file offset and no decoding", i)
			}
		}
		if (i == 2 || i == 3) != (f.Container != nil) || f.Container != nil && (f.Container.Kind != "pst" || f.Container.ImgOffset != 0x8000 || f.Container.Len != 0x4000) {
			t.Errorf("fileobject %d container %+v", i, f.Container)
		}
		if strings.Join(runs, " ") != wantRuns[i] {
			t.Errorf("fileobject %d byte runs %q, want %q", i, runs, wantRuns[i])
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// dfxml.xml validates against the DFXML schema (testdata/dfxml, see its
// README), for a carved image and for hostile text.
func TestDFXMLSchema(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian libxml2-utils)")
	}
	r := newImageRun(t)
	schema, _ := filepath.Abs(filepath.Join("testdata", "dfxml", "dfxml.xsd"))
	cmd := exec.Command(xmllint, "--nonet", "--noout", "--schema", schema, filepath.Join(r.out, DFXMLFile))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, b)
	}
	// and a document that does not follow the schema is caught (the
	// check can fail)
	bad := filepath.Join(t.TempDir(), "bad.xml")
	os.WriteFile(bad, []byte(`<dfxml xmlns="`+dfxmlNS+`" version="1"><metadata/><fileobject><hashdigest type="crc9">x</hashdigest><filename>a</filename></fileobject></dfxml>`), 0o644)
	if b, err := exec.Command(xmllint, "--nonet", "--noout", "--schema", schema, bad).CombinedOutput(); err == nil {
		t.Errorf("xmllint accepted an invalid document: %s", b)
	}
}

// TestLocateCompressed: a message inside a gzip file or a deflated zip
// member is not at its chain's summed offsets in the evidence (those are
// in the decompressed data): it is located by its container, and a stored
// member's message by its bytes.
func TestLocateCompressed(t *testing.T) {
	span := formats.Span
	for _, c := range []struct {
		name      string
		chain     formats.Chain
		whole     bool
		run       Extent
		container string
	}{
		{"tgz", formats.Chain{span("gzip", 0, 1718, "decompressed: 10240 bytes of tar"), span("tar", 512, 2390, "member a.eml"), span("eml", 0, 2390, "")}, false, Extent{0, 1718}, "gzip"},
		{"mbox.gz", formats.Chain{span("gzip", 0, 900, "decompressed"), span("mbox", 45, 2390, "message 1")}, false, Extent{0, 900}, "gzip"},
		{"deflated zip member", formats.Chain{span("zip", 2066407, 1001, "member a.eml (deflate, 2390 bytes)"), span("eml", 0, 2390, "")}, false, Extent{2066407, 1001}, "zip"},
		{"stored zip member", formats.Chain{span("zip", 100, 2390, "member a.eml"), span("eml", 0, 2390, "")}, true, Extent{100, 2390}, ""},
		{"PST in an image", formats.Chain{span("image", 0x8000, 0x4000, "pst"), {Format: "pst", Locator: "node 0x21"}}, false, Extent{0x8000, 0x4000}, "pst"},
	} {
		loc, ok := Locate(&Record{Chain: c.chain})
		if !ok || loc.Whole != c.whole || len(loc.Runs) != 1 || loc.Runs[0] != c.run || loc.Container != c.container {
			t.Errorf("%s: %+v (%v), want whole %v, run %v, container %q", c.name, loc, ok, c.whole, c.run, c.container)
		}
	}
}
