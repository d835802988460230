package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/export"
)

// exitMismatch is verify's exit code when OUT does not match its log or
// has no log to check against (as sha256sum -c fails on a missing list).
const exitMismatch = 1

func newVerifyCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify OUT",
		Short: "Check every recovered file against provenance.jsonl",
		Long: `Hashes every file that OUT/provenance.jsonl names again (SHA-256 and MD5)
and reports files that changed, files that are missing, and files under
OUT/messages that the log does not name. Lines that share one file
(duplicate messages) are fine as long as they agree on its hashes.

Exit status: 0 when everything matches; 1 on any mismatch, or when OUT has
no readable provenance.jsonl; 2 for wrong arguments.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.OutOrStdout(), args[0], asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON object")
	return cmd
}

func runVerify(stdout io.Writer, out string, asJSON bool) error {
	if _, err := os.Stat(filepath.Join(out, export.ProvenanceFile)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &exitError{code: exitMismatch, err: fmt.Errorf("%s: no %s here: not a mailsalvage output folder", out, export.ProvenanceFile)}
		}
		return &exitError{code: exitMismatch, err: fmt.Errorf("%s: %v", out, err)}
	}
	res, err := export.Verify(out)
	if err != nil {
		return &exitError{code: exitMismatch, err: fmt.Errorf("%s: %v", out, err)}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		v := struct {
			Clean bool `json:"clean"`
			*export.VerifyResult
		}{res.Clean(), res}
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		printVerify(stdout, res)
	}
	if !res.Clean() {
		return &exitError{code: exitMismatch}
	}
	return nil
}

func printVerify(w io.Writer, res *export.VerifyResult) {
	for _, m := range res.Changed {
		fmt.Fprintf(w, "CHANGED  %s: %s\n", m.File, m.Reason)
	}
	for _, f := range res.Missing {
		fmt.Fprintf(w, "MISSING  %s\n", f)
	}
	for _, f := range res.Extra {
		fmt.Fprintf(w, "EXTRA    %s\n", f)
	}
	for _, s := range res.Inconsistent {
		fmt.Fprintf(w, "LOG      %s\n", s)
	}
	for _, s := range res.BadLines {
		fmt.Fprintf(w, "LOG      %s\n", s)
	}
	verdict := "OK"
	if !res.Clean() {
		verdict = "MISMATCH"
	}
	fmt.Fprintf(w, "%s: %d files named by %d provenance lines: %d match, %d changed, %d missing, %d extra",
		verdict, res.Files, res.Lines, res.OK, len(res.Changed), len(res.Missing), len(res.Extra))
	if n := len(res.Inconsistent) + len(res.BadLines); n > 0 {
		fmt.Fprintf(w, ", %d log problems", n)
	}
	fmt.Fprintln(w)
}
