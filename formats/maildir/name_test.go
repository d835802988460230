package maildir

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		in   string
		want Name
	}{
		{"1234.M5P6.host,S=1024,W=1050:2,RST", Name{
			Unique: "1234.M5P6.host,S=1024,W=1050", Sep: ':', Info: "2,RST",
			Flags: "RST", Size: 1024, VSize: 1050}},
		{"x!2,S", Name{Unique: "x", Sep: '!', Info: "2,S", Flags: "S", Size: -1, VSize: -1}},
		{"x;2,S", Name{Unique: "x", Sep: ';', Info: "2,S", Flags: "S", Size: -1, VSize: -1}},
		{"x:2,Sab", Name{Unique: "x", Sep: ':', Info: "2,Sab", Flags: "S", Keywords: "ab", Size: -1, VSize: -1}},
		{"x:1,experimental", Name{Unique: "x", Sep: ':', Info: "1,experimental", Experimental: "experimental", Size: -1, VSize: -1}},
		{"x:1,", Name{Unique: "x", Sep: ':', Info: "1,", Size: -1, VSize: -1}},
		{"1220863087.12663_21.mindcrime", Name{Unique: "1220863087.12663_21.mindcrime", Size: -1, VSize: -1}},
		{"110000027.l.43:2,", Name{Unique: "110000027.l.43", Sep: ':', Info: "2,", Size: -1, VSize: -1}},
		// real names from the corpus (stalwart mail-parser, Mail::Box, mu)
		{"1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,S=10956;2,STln", Name{
			Unique: "1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,S=10956",
			Sep:    ';', Info: "2,STln", Flags: "ST", Keywords: "ln", Size: 10956, VSize: -1}},
		{"1035478339.27041_118.foo.org,S=1000,W=1030;2,RDF,", Name{
			Unique: "1035478339.27041_118.foo.org,S=1000,W=1030", Sep: ';', Info: "2,RDF,",
			Flags: "RDF", Size: 1000, VSize: 1030}},
		{"110000011.l.43:2,DFRST", Name{Unique: "110000011.l.43", Sep: ':', Info: "2,DFRST", Flags: "DFRST", Size: -1, VSize: -1}},
		{"special!2,Sabc", Name{Unique: "special", Sep: '!', Info: "2,Sabc", Flags: "S", Keywords: "abc", Size: -1, VSize: -1}},
		// the first colon separates, even before a Windows-safe separator
		{"a;2,S:2,T", Name{Unique: "a;2,S", Sep: ':', Info: "2,T", Flags: "T", Size: -1, VSize: -1}},
		// '!' and ';' only separate before "1," or "2,"
		{"a!b;c", Name{Unique: "a!b;c", Size: -1, VSize: -1}},
		{"a!b!2,F", Name{Unique: "a!b", Sep: '!', Info: "2,F", Flags: "F", Size: -1, VSize: -1}},
		{"a!3,F", Name{Unique: "a!3,F", Size: -1, VSize: -1}},
		// an info version the description does not define is kept raw
		{"a:3,xyz", Name{Unique: "a", Sep: ':', Info: "3,xyz", Size: -1, VSize: -1}},
		// flags end at ','; duplicates once; other characters ignored
		{"a:2,SSRr9r-,T", Name{Unique: "a", Sep: ':', Info: "2,SSRr9r-,T", Flags: "SR", Keywords: "r", Size: -1, VSize: -1}},
		// size fields: first well-formed one wins; the base is never a field
		{"S=5,S=x,S=7,S=9,W=", Name{Unique: "S=5,S=x,S=7,S=9,W=", Size: 7, VSize: -1}},
		{"a,S=99999999999999999999:2,", Name{Unique: "a,S=99999999999999999999", Sep: ':', Info: "2,", Size: -1, VSize: -1}},
		{"a,S=-1,W=+5", Name{Unique: "a,S=-1,W=+5", Size: -1, VSize: -1}},
		{"a,s=5,w=6", Name{Unique: "a,s=5,w=6", Size: -1, VSize: -1}},
		{"a,S=0", Name{Unique: "a,S=0", Size: 0, VSize: -1}},
		// garbage
		{"", Name{Size: -1, VSize: -1}},
		{":", Name{Sep: ':', Size: -1, VSize: -1}},
		{"!2,", Name{Sep: '!', Info: "2,", Size: -1, VSize: -1}},
		{";2", Name{Unique: ";2", Size: -1, VSize: -1}},
		{",,,", Name{Unique: ",,,", Size: -1, VSize: -1}},
		{"\xff\x00:2,\xffS", Name{Unique: "\xff\x00", Sep: ':', Info: "2,\xffS", Flags: "S", Size: -1, VSize: -1}},
	}
	for _, tt := range tests {
		got := ParseName(tt.in)
		if got != tt.want {
			t.Errorf("ParseName(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestNameHas(t *testing.T) {
	n := ParseName("1.host:2,FRT")
	for _, c := range []byte{FlagFlagged, FlagReplied, FlagTrashed} {
		if !n.Has(c) {
			t.Errorf("Has(%c) = false for %q", c, n.Flags)
		}
	}
	for _, c := range []byte{FlagSeen, FlagDraft, FlagPassed, 'a'} {
		if n.Has(c) {
			t.Errorf("Has(%c) = true for %q", c, n.Flags)
		}
	}
	if ParseName("1.host:1,T").Has(FlagTrashed) {
		t.Error(`"1," info must not carry flags`)
	}
}

// checkName asserts the invariants FuzzParseName relies on.
func checkName(t *testing.T, s string, n Name) {
	t.Helper()
	rebuilt := n.Unique
	if n.Sep != 0 {
		rebuilt += string(n.Sep) + n.Info
	}
	if rebuilt != s {
		t.Fatalf("ParseName(%q): Unique %q + Sep %q + Info %q does not give the name back", s, n.Unique, n.Sep, n.Info)
	}
	if n.Sep != 0 && n.Sep != ':' && n.Sep != '!' && n.Sep != ';' {
		t.Fatalf("ParseName(%q): Sep %q", s, n.Sep)
	}
	if n.Sep != ':' && strings.Contains(n.Unique, ":") {
		t.Fatalf("ParseName(%q): colon left in Unique %q", s, n.Unique)
	}
	for _, c := range []byte(n.Flags) {
		if c < 'A' || c > 'Z' || strings.Count(n.Flags, string(c)) != 1 {
			t.Fatalf("ParseName(%q): Flags %q", s, n.Flags)
		}
	}
	for _, c := range []byte(n.Keywords) {
		if c < 'a' || c > 'z' || strings.Count(n.Keywords, string(c)) != 1 {
			t.Fatalf("ParseName(%q): Keywords %q", s, n.Keywords)
		}
	}
	if (n.Flags != "" || n.Keywords != "") && !strings.HasPrefix(n.Info, "2,") {
		t.Fatalf("ParseName(%q): flags without 2, info", s)
	}
	if n.Experimental != "" && n.Info != "1,"+n.Experimental {
		t.Fatalf("ParseName(%q): Experimental %q from Info %q", s, n.Experimental, n.Info)
	}
	if n.Size < -1 || n.VSize < -1 {
		t.Fatalf("ParseName(%q): Size %d VSize %d", s, n.Size, n.VSize)
	}
	if n.Size >= 0 && !strings.Contains(n.Unique, ",S=") || n.VSize >= 0 && !strings.Contains(n.Unique, ",W=") {
		t.Fatalf("ParseName(%q): size fields %d %d not in Unique %q", s, n.Size, n.VSize, n.Unique)
	}
	if utf8.ValidString(s) && (!utf8.ValidString(n.Unique) || !utf8.ValidString(n.Info)) {
		t.Fatalf("ParseName(%q): valid UTF-8 split inside a character", s)
	}
}

func TestParseNameInvariants(t *testing.T) {
	for _, s := range []string{"", ":", "a:2,S", "x;1,y", "!2,", "a,S=1,W=2:2,ab", "é:2,S", "a:b:c"} {
		checkName(t, s, ParseName(s))
	}
}
