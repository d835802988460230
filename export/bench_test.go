package export

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// benchMessages are n distinct messages of about 5 KB, shaped like the
// carver's: a header of the usual fields, a text body, some of them with
// a warning and carve attributes.
func benchMessages(n int) [][]byte {
	body := strings.Repeat("The quarterly figures are attached; see the notes below.\n", 80)
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = []byte(fmt.Sprintf("Message-ID: <%d.%08x@mail.example.com>\r\nDate: Tue, %d Jan 2019 %02d:%02d:00 +0100\r\n"+
			"From: Sender %d <sender%d@example.com>\r\nTo: Recipient <r%d@example.org>\r\nSubject: Quarterly report %d\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s%d\r\n",
			i, i*2654435761, 1+i%28, i%24, i%60, i%97, i, i%13, i%500, body, i))
	}
	return msgs
}

// BenchmarkExport writes 2,000 messages of about 5 KB through the whole
// exporter: hashing, .eml files, provenance log, summary and the three
// reports. ns/msg and B/msg are per message. The output goes to
// $TMPDIR (set TMPDIR=/dev/shm to leave the disk out of it).
func BenchmarkExport(b *testing.B) {
	const n = 2000
	msgs := benchMessages(n)
	ev := filepath.Join(b.TempDir(), "disk.img")
	if err := os.WriteFile(ev, []byte("image"), 0o644); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, m := range msgs {
		size += int64(len(m))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	run := 0
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		run++
		out := filepath.Join(b.TempDir(), fmt.Sprint("out", run))
		ex, err := Create(out, Options{Tool: "mailsalvage", Version: "bench", Now: fixedNow})
		if err != nil {
			b.Fatal(err)
		}
		ex.BeginInput(ev, "carve/raw")
		var off int64
		for i, content := range msgs {
			m := &formats.Message{
				Open:     func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(content))), nil },
				Size:     int64(len(content)),
				Evidence: ev,
				State:    formats.Carved,
				Chain:    formats.Chain{formats.Span("image", off, int64(len(content)), "message")},
				Method:   "carve-message",
			}
			if i%7 == 0 {
				m.Warnf("message ends without a final newline")
				m.State = formats.Partial
			}
			m.SetAttr("carve_start", "sector-boundary")
			m.SetAttr("carve_score", "27")
			off += int64(len(content)) + 512
			if err := ex.Add(m); err != nil {
				b.Fatal(err)
			}
		}
		if err := ex.EndInput(nil); err != nil {
			b.Fatal(err)
		}
		if err := ex.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(out)
		b.StartTimer()
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(run*n), "ns/msg")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(run*n), "B/msg")
}
