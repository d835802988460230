package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/bounce"
	"github.com/mailsalvage/mailsalvage/export"
	"github.com/mailsalvage/mailsalvage/formats"
)

// explainEntry is one line of `explain --json`: one failed recipient.
type explainEntry struct {
	File        string `json:"file"`
	Locator     string `json:"locator,omitempty"` // where in a mailbox file the notice is (for a recover OUT: its evidence file and chain)
	Recipient   string `json:"recipient"`
	ReplyCode   string `json:"reply_code"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Action      string `json:"action"`
	RemoteText  string `json:"remote_text"`
	Explanation string `json:"explanation"`
}

func newExplainCmd() *cobra.Command {
	var asJSON bool
	var lang string
	cmd := &cobra.Command{
		Use:   "explain FILE...|OUT",
		Short: "Explain the delivery failure notices (bounces) among messages",
		Long: `Finds delivery failure notices (bounces) in .eml files, folders of them,
any mailbox recover reads (an mbox of bounces works), or a recover output
folder (OUT/provenance.jsonl and its .eml files), and for each failed
recipient prints the address, the SMTP reply code, the enhanced status
code (RFC 3463), a reason (sisimai's names: userunknown, mailboxfull...),
the remote server's own words and what they mean in plain language.
With --json, prints one JSON object per failed recipient.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "en" && lang != "ja" {
				return usageErr("--lang must be en or ja, not %q", lang)
			}
			return runExplain(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, asJSON, lang)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per failed recipient, for scripts")
	cmd.Flags().StringVar(&lang, "lang", "en", "language of the explanations: en or ja")
	return cmd
}

// explainer prints what it is given as it goes.
type explainer struct {
	stdout, stderr io.Writer
	enc            *json.Encoder
	lang           string
	notices        int
	recipients     int
}

func runExplain(stdout, stderr io.Writer, inputs []string, asJSON bool, lang string) error {
	x := &explainer{stdout: stdout, stderr: stderr, lang: lang}
	if asJSON {
		x.enc = json.NewEncoder(stdout)
		x.enc.SetEscapeHTML(false)
	}
	failed := 0
	for _, in := range inputs {
		var err error
		if isRecoverOut(in) {
			err = x.recoverOut(in)
		} else {
			err = x.input(in)
		}
		if err != nil {
			var ee *exitError
			if errors.As(err, &ee) {
				return err
			}
			fmt.Fprintln(stderr, "mailsalvage:", err)
			failed++
		}
	}
	if !asJSON {
		fmt.Fprintf(stdout, x.label("delivery failure notices: %d, failed recipients: %d\n"), x.notices, x.recipients)
	}
	if failed > 0 {
		return &exitError{code: exitInputFail, err: fmt.Errorf("%d of %d inputs could not be read", failed, len(inputs))}
	}
	return nil
}

// isRecoverOut reports whether path is a folder recover wrote.
func isRecoverOut(path string) bool {
	info, err := os.Stat(filepath.Join(path, export.ProvenanceFile))
	return err == nil && info.Mode().IsRegular()
}

// recoverOut explains the messages of a recover output folder, each
// distinct file once, in the order of its provenance log.
func (x *explainer) recoverOut(out string) error {
	f, err := os.Open(filepath.Join(out, export.ProvenanceFile))
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	seen := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		var rec export.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			fmt.Fprintf(x.stderr, "mailsalvage: %s line %d: %v\n", export.ProvenanceFile, line, err)
			continue
		}
		if rec.File == "" || seen[rec.File] || !filepath.IsLocal(filepath.FromSlash(rec.File)) {
			continue
		}
		seen[rec.File] = true
		p := filepath.Join(out, filepath.FromSlash(rec.File))
		b, err := readBounded(p)
		if err != nil {
			fmt.Fprintln(x.stderr, "mailsalvage:", err)
			continue
		}
		// where the recovered message came from, for the examiner
		loc := rec.Source.Path
		if c := rec.Chain.String(); c != "" {
			loc += " " + c
		}
		if err := x.message(p, strings.TrimSpace(loc), b); err != nil {
			return err
		}
	}
	return sc.Err()
}

// input explains every message of one input recover could read.
func (x *explainer) input(in string) error {
	src, _, err := formats.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	for {
		m, err := src.Next()
		if m != nil {
			b, rerr := readMessage(m)
			if rerr != nil {
				fmt.Fprintf(x.stderr, "mailsalvage: %s %s: %v\n", m.Evidence, m.Chain, rerr)
			} else {
				loc := ""
				if len(m.Chain) > 1 || len(m.Chain) == 1 && m.Chain[0].Format != "eml" {
					loc = m.Chain.String()
				}
				if err := x.message(m.Evidence, loc, b); err != nil {
					return err
				}
			}
		}
		if err == nil {
			continue
		}
		if err == io.EOF {
			return nil
		}
		var p *formats.Problem
		if errors.As(err, &p) {
			fmt.Fprintln(x.stderr, "mailsalvage:", p)
			continue
		}
		return err
	}
}

// readMessage reads a message's bytes, up to what bounce.Parse looks at.
func readMessage(m *formats.Message) ([]byte, error) {
	rc, err := m.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, bounce.MaxMessage))
}

func readBounded(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, bounce.MaxMessage))
}

// message explains one message if it is a notice.
func (x *explainer) message(file, loc string, b []byte) error {
	rep := bounce.Parse(b)
	if rep == nil {
		return nil
	}
	x.notices++
	if x.enc == nil {
		where := file
		if loc != "" {
			where += "  (" + loc + ")"
		}
		fmt.Fprintf(x.stdout, "%s\n", where)
		if rep.Subject != "" {
			fmt.Fprintf(x.stdout, x.label("  subject: %s\n"), oneLine(rep.Subject))
		}
	}
	for _, r := range rep.Recipients {
		x.recipients++
		e := explainEntry{
			File: file, Locator: loc, Recipient: r.Address, ReplyCode: r.ReplyCode, Status: r.Status,
			Reason: r.Reason, Action: r.Action, RemoteText: r.RemoteText,
			Explanation: bounce.ExplainFor(r.Reason, r.Action, x.lang),
		}
		if x.enc != nil {
			if err := x.enc.Encode(e); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(x.stdout, x.label("  recipient:   %s\n"), dashIfEmpty(e.Recipient))
		fmt.Fprintf(x.stdout, x.label("  reply code:  %s   status: %s   reason: %s (%s)\n"),
			dashIfEmpty(e.ReplyCode), dashIfEmpty(e.Status), e.Reason, x.label(e.Action))
		if e.RemoteText != "" {
			fmt.Fprintf(x.stdout, x.label("  server said: %s\n"), oneLine(e.RemoteText))
		}
		fmt.Fprintf(x.stdout, x.label("  meaning:     %s\n"), e.Explanation)
	}
	if x.enc == nil {
		fmt.Fprintln(x.stdout)
	}
	return nil
}

// label translates the fixed words of the plain output.
func (x *explainer) label(s string) string {
	if x.lang != "ja" {
		return s
	}
	if t, ok := labelsJA[s]; ok {
		return t
	}
	return s
}

var labelsJA = map[string]string{
	"  subject: %s\n":     "  件名: %s\n",
	"  recipient:   %s\n": "  宛先:         %s\n",
	"  reply code:  %s   status: %s   reason: %s (%s)\n":    "  応答コード:   %s   拡張ステータス: %s   理由: %s (%s)\n",
	"  server said: %s\n":                                   "  サーバーの応答: %s\n",
	"  meaning:     %s\n":                                   "  説明:         %s\n",
	"delivery failure notices: %d, failed recipients: %d\n": "配送失敗通知: %d 通、失敗した宛先: %d 件\n",
	"failed":  "失敗",
	"delayed": "遅延",
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
}

// bounceRecipients is the exporter's Options.Bounce: the failed recipients
// of a notice, for its provenance line.
func bounceRecipients(b []byte) []export.BounceRecipient {
	rep := bounce.Parse(b)
	if rep == nil {
		return nil
	}
	out := make([]export.BounceRecipient, 0, len(rep.Recipients))
	for _, r := range rep.Recipients {
		out = append(out, export.BounceRecipient{Recipient: r.Address, ReplyCode: r.ReplyCode, Status: r.Status, Reason: r.Reason})
	}
	return out
}
