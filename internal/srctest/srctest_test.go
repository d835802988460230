package srctest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailsalvage/mailsalvage/formats"
)

// script is a source giving a fixed sequence of results, then endless
// problems (or io.EOF when end is set).
type script struct {
	msgs []string
	end  bool
	i    int
}

func (s *script) Next() (*formats.Message, error) {
	s.i++
	if s.i <= len(s.msgs) {
		body := s.msgs[s.i-1]
		return &formats.Message{Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }}, nil
	}
	if s.end && s.i > len(s.msgs)+1 {
		return nil, io.EOF
	}
	return nil, &formats.Problem{Offset: -1, Err: errors.New("skipped a bad part")}
}

func (s *script) Close() error { return nil }

func TestDrain(t *testing.T) {
	msgs, problems := Drain(t, &script{msgs: []string{"a", "bc"}, end: true})
	if len(msgs) != 2 || string(msgs[1].Data) != "bc" || len(problems) != 1 || problems[0] != "skipped a bad part" {
		t.Fatalf("%d messages, problems %q", len(msgs), problems)
	}
}

func TestExhaust(t *testing.T) {
	if !Exhaust(&script{msgs: []string{"a"}, end: true}, 10) {
		t.Error("a source that ends was not seen to end")
	}
	if Exhaust(&script{msgs: []string{"a"}}, 10) {
		t.Error("a source of endless problems was seen to end")
	}
}
