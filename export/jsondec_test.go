package export

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decodeLines are provenance lines and near misses of them.
func decodeLines() []string {
	var lines []string
	for _, r := range testRecords() {
		r.Bounce = nil
		lines = append(lines, string(appendRecord(nil, r)))
	}
	return append(lines,
		`{}`, `{"file":"a"}`, `{"file":"a","file":"b"}`, `{"File":"a"}`, `{"file":null}`, `{"size":-0}`, `{"size":01}`,
		`{"size":1.5}`, `{"size":1e3}`, `{"size":9223372036854775807}`, `{"size":-9223372036854775808}`,
		`{"size":9223372036854775808}`, `{"size":-9223372036854775809}`, `{"size":99999999999999999999}`, `{"size":-}`,
		`{"subject":"\u00e9\u0041\/\"\\\b\f\n\r\t"}`, `{"subject":"\ud83d\ude00"}`, `{"subject":"\ud800"}`, `{"subject":"\'"}`,
		`{"subject":"\u00G0"}`, `{"subject":"\u00"}`, "{\"subject\":\"\xff\"}", "{\"subject\":\"\x01\"}", `{"subject":"a`,
		`{"chain":[{"format":"image","offset":5,"length":6,"locator":"x"},{"format":"pst"}]}`, `{"chain":[{}]}`,
		`{"chain":[{"offset":null}]}`, `{"chain":[{"format":"a","format":"b"}]}`, `{"chain":[]}`, `{"chain":null}`, `{"chain":[,]}`,
		`{"warnings":["a",]}`, `{"warnings":[]}`, `{"warnings":null}`, `{"warnings":["a","b"]}`,
		`{"attrs":{"b":"1","a":"2","b":"3"}}`, `{"attrs":{}}`, `{"attrs":null}`, `{"attrs":{"a":1}}`,
		`{"source":{"path":"p","sha256":"s"}}`, `{"source":{"path":"p","other":1}}`, `{"source":null}`,
		`{"duplicate":true}`, `{"duplicate":false}`, `{"duplicate":1}`, `{"bounce":[{"recipient":"a"}]}`, `{"unknown":1}`,
		`{"file":"a",}`, `{,"file":"a"}`, `{"file":"a"} `, ` {"file":"a"}`, `{"file" :"a"}`, `{"file":"a"}x`, `[]`, `null`, ``,
		`{"state":"carved","state":"partial"}`, `{"method":"\u2028"}`,
	)
}

func checkDecode(t *testing.T, line string) {
	t.Helper()
	var fast ProvLine
	if !decodeProvLine([]byte(line), &fast) {
		if !reflect.DeepEqual(fast, ProvLine{}) {
			t.Errorf("%s: refused but left %+v", line, fast)
		}
		return
	}
	var want ProvLine
	if err := json.Unmarshal([]byte(line), &want); err != nil {
		t.Fatalf("%s: accepted, but encoding/json says %v", line, err)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%s:\nfast %#v\njson %#v", line, fast, want)
	}
}

func TestDecodeProvLine(t *testing.T) {
	accepted := 0
	for _, line := range decodeLines() {
		checkDecode(t, line)
		var l ProvLine
		if decodeProvLine([]byte(line), &l) {
			accepted++
		}
	}
	// the lines appendRecord writes take the fast path
	for _, r := range testRecords() {
		r.Bounce = nil
		var l ProvLine
		if b := appendRecord(nil, r); !decodeProvLine(b, &l) {
			t.Errorf("not decoded: %s", b)
		}
	}
	if accepted < 30 {
		t.Errorf("only %d lines decoded", accepted)
	}
}

// FuzzDecodeProvLine: a line decodeProvLine accepts is valid JSON and
// decodes to what encoding/json gives.
func FuzzDecodeProvLine(f *testing.F) {
	for _, line := range decodeLines() {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		checkDecode(t, line)
	})
}
