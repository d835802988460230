package bounce

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sisimaiRow is one line of the corpus's SISIMAI.tsv: what sisimai 4.25
// (Debian libsisimai-perl) concludes about one recipient of one file.
type sisimaiRow struct {
	file, recipient, reason, status, reply, agent, diagnostic string
}

func readSisimai(t *testing.T, dir string) map[string][]sisimaiRow {
	f, err := os.Open(filepath.Join(dir, "SISIMAI.tsv"))
	if err != nil {
		t.Skipf("no SISIMAI.tsv: %v", err)
	}
	defer f.Close()
	out := map[string][]sisimaiRow{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		for len(c) < 7 {
			c = append(c, "")
		}
		r := sisimaiRow{c[0], c[1], c[2], c[3], c[4], c[5], c[6]}
		out[r.file] = append(out[r.file], r)
	}
	return out
}

// standardStatus reports whether sisimai's status is an RFC 3463 code and
// not one of its own "X.0.9nn" codes.
func standardStatus(s string) bool {
	if !validStatus(s) {
		return false
	}
	p := strings.Split(s, ".")
	return !(p[1] == "0" && len(p[2]) == 3 && p[2][0] == '9')
}
