package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/formats"
	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// tableBlock is how many rows the table aligns at a time.
const tableBlock = 1000

// lsEntry is one line of `ls --json`.
type lsEntry struct {
	Input     string            `json:"input"`
	Evidence  string            `json:"evidence"`
	Folder    string            `json:"folder"`
	State     formats.State     `json:"state"`
	Date      string            `json:"date"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	Subject   string            `json:"subject"`
	MessageID string            `json:"message_id"`
	Size      int64             `json:"size"`
	Method    string            `json:"method"`
	Chain     formats.Chain     `json:"chain"`
	Locator   string            `json:"locator"`
	Warnings  []string          `json:"warnings"`
	Attrs     map[string]string `json:"attrs,omitempty"`
}

func newLsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls INPUT...",
		Short: "List what recover would write, without writing anything",
		Long: `Lists every message recover would write from the inputs: folder, state,
date, sender, subject and where it was found. Only message headers are
read. With --json, prints one JSON object per message (JSON Lines).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLs(cmd.OutOrStdout(), cmd.ErrOrStderr(), args, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per message, for scripts")
	return cmd
}

func runLs(stdout, stderr io.Writer, inputs []string, asJSON bool) error {
	var tw *tabwriter.Writer
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if !asJSON {
		tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FOLDER\tSTATE\tDATE\tFROM\tSUBJECT\tLOCATOR")
	}
	failed := 0
	for _, in := range inputs {
		src, _, err := formats.Open(in)
		if err != nil {
			fmt.Fprintln(stderr, "mailsalvage:", err)
			failed++
			continue
		}
		// a PST lists its items from their properties, without reading
		// or converting their bodies and attachments
		formats.ListHeaders(src)
		n := 0
		for {
			m, err := src.Next()
			if m != nil {
				n++
				e := listEntry(in, m)
				if asJSON {
					if err := enc.Encode(e); err != nil {
						src.Close()
						return err
					}
				} else {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cell(e.Folder, 30), e.State, cell(shortDate(e.Date), 16),
						cell(e.From, 30), cell(e.Subject, 50), e.Locator)
					if n%tableBlock == 0 {
						tw.Flush() // keep memory bounded on huge inputs
					}
				}
			}
			if err == nil {
				continue
			}
			if err == io.EOF {
				break
			}
			var p *formats.Problem
			if errors.As(err, &p) {
				fmt.Fprintln(stderr, "mailsalvage:", p)
				continue
			}
			fmt.Fprintln(stderr, "mailsalvage:", err)
			if n == 0 {
				failed++
			}
			break
		}
		src.Close()
	}
	if tw != nil {
		tw.Flush()
	}
	if failed > 0 {
		return &exitError{code: exitInputFail, err: fmt.Errorf("%d of %d inputs could not be read", failed, len(inputs))}
	}
	return nil
}

// listEntry reads the message's header, and nothing more, for the listing.
func listEntry(input string, m *formats.Message) lsEntry {
	e := lsEntry{
		Input: input, Evidence: m.Evidence, Folder: strings.Join(m.Folder, "/"),
		State: m.State, Size: m.Size, Method: m.Method, Chain: m.Chain,
		Locator: m.Chain.String(), Warnings: append([]string{}, m.Warnings...), Attrs: m.Attrs,
	}
	var rc io.ReadCloser
	var err error
	if m.Header != nil {
		rc = io.NopCloser(bytes.NewReader(m.Header))
	} else if rc, err = m.Open(); err != nil {
		e.Warnings = append(e.Warnings, "cannot read message: "+err.Error())
		return e
	}
	s, _, err := rfc5322.ReadSummary(rc)
	rc.Close()
	if err != nil {
		e.Warnings = append(e.Warnings, "cannot read header: "+err.Error())
	}
	e.From, e.To, e.Subject, e.MessageID = s.From, s.To, s.Subject, s.MessageID
	if !s.Date.IsZero() {
		e.Date = s.Date.Format(time.RFC3339)
	}
	return e
}

func shortDate(rfc3339 string) string {
	if t, err := time.Parse(time.RFC3339, rfc3339); err == nil {
		return t.Format("2006-01-02 15:04")
	}
	return "-"
}

// cell makes a value fit one table cell: one line, at most max characters.
func cell(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}
