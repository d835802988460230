package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/export"
)

func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report OUT",
		Short: "Write report.html, dfxml.xml and timeline.csv of OUT again",
		Long: `Rewrites OUT/report.html, OUT/dfxml.xml and OUT/timeline.csv from
OUT/summary.json and OUT/provenance.jsonl (recover writes them at the end
of every run; this regenerates them, for instance after an upgrade).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := args[0]
			for _, f := range []string{export.SummaryFile, export.ProvenanceFile} {
				if _, err := os.Stat(filepath.Join(out, f)); errors.Is(err, os.ErrNotExist) {
					return usageErr("%s: no %s here: not a mailsalvage output folder", out, f)
				}
			}
			if err := export.WriteReports(out, export.ReportOptions{}); err != nil {
				return usageErr("%s: %v", out, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s, %s and %s in %s\n", export.ReportFile, export.DFXMLFile, export.TimelineFile, out)
			return nil
		},
	}
}
