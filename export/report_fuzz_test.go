package export

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReports feeds arbitrary provenance logs to the reports and to
// verify: nothing may panic, and the reports are written whatever the
// lines hold (lines that are not records are skipped and noted).
func FuzzReports(f *testing.F) {
	f.Add([]byte(`{"file":"messages/a.eml","sha256":"00","md5":"11","size":3,"subject":"x","date":"2019-01-01T00:00:00Z","state":"carved","source":{"path":"/img"},"chain":[{"format":"image","offset":4096,"length":3,"locator":"message"}],"warnings":[]}` + "\n"))
	f.Add([]byte(`{"file":"messages/b.eml","state":"partial","source":{"path":"/img"},"chain":[{"format":"image","locator":"reassembled"}],"attrs":{"carve_fragments":"0x10+5 0xffffffffffffff+9 zz"}}` + "\n{\n"))
	f.Add([]byte(`{"file":"../x","state":"bogus","source":{"path":"/img"},"chain":[{"format":"image","offset":-5,"length":-1},{"format":"mbox","offset":9223372036854775807,"length":1}],"bounce":{"recipient":1}}`))
	f.Add([]byte(`{"file":"messages/c.eml","date":"not a date","bounce":[null,{"reply_code":550}],"chain":null}` + "\n\n" + `[1,2]` + "\n"))
	f.Fuzz(func(t *testing.T, log []byte) {
		out := t.TempDir()
		os.WriteFile(filepath.Join(out, SummaryFile), []byte(`{"tool":"mailsalvage","inputs":[{"path":"/img","size":8192}]}`), 0o644)
		os.WriteFile(filepath.Join(out, ProvenanceFile), log, 0o644)
		if err := WriteReports(out, ReportOptions{MaxRows: 5, MaxMarks: 3, SortRun: 2}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{ReportFile, DFXMLFile, TimelineFile} {
			if _, err := os.Stat(filepath.Join(out, name)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := Verify(out); err != nil {
			t.Fatal(err)
		}
	})
}
