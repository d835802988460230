// Command mailsalvage recovers email from mailbox files, folders and
// damaged copies of them, writing every message as a standalone .eml file
// with a provenance log. See the README for usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spf13/cobra"

	"github.com/mailsalvage/mailsalvage/internal/gcfloor"

	// formats known to this binary
	_ "github.com/mailsalvage/mailsalvage/formats/archive"
	_ "github.com/mailsalvage/mailsalvage/formats/dbx"
	_ "github.com/mailsalvage/mailsalvage/formats/eml"
	_ "github.com/mailsalvage/mailsalvage/formats/gzip"
	_ "github.com/mailsalvage/mailsalvage/formats/maildir"
	_ "github.com/mailsalvage/mailsalvage/formats/mbox"
	_ "github.com/mailsalvage/mailsalvage/formats/msg"
	_ "github.com/mailsalvage/mailsalvage/formats/olm"
	_ "github.com/mailsalvage/mailsalvage/formats/pst"
)

// Exit codes (documented in the README).
const (
	exitOK        = 0 // every input was read (warnings allowed)
	exitInputFail = 1 // at least one input could not be read at all; the others were processed
	exitUsage     = 2 // wrong arguments, or the output folder cannot be used
)

// version is set with -ldflags "-X main.version=..."; otherwise it comes
// from the module build information.
var version = ""

// cmdline is the command line of this run, for the run record.
var cmdline []string

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "mailsalvage",
		Short: "Recover email from mailboxes, damaged mailbox files and folders",
		Long: `mailsalvage recovers email, intact or damaged, from mbox files (all
variants, Thunderbird included), Maildir and Maildir++ folders, .eml and
Apple Mail .emlx files, Outlook .msg, PST and OST files, Outlook Express
.dbx files, Outlook for Mac .olm archives, and gzip, tar and zip files of
any of these; carve finds deleted messages in raw disk images. Every
recovered message is written as a standalone .eml file, and
provenance.jsonl ties each one to the exact bytes it came from.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newRecoverCmd(), newCarveCmd(), newLsCmd(), newExplainCmd(), newVerifyCmd(), newReportCmd(), newVersionCmd())
	return root
}

// softMemoryLimit keeps the garbage collector from letting the heap grow
// to twice what is live: recover holds little (a pipeline of a few
// messages and an index of ~16 bytes per message), so for mailbox files
// its memory stays nearly flat however large the input. A damaged PST is
// the exception: rebuilding its B-trees keeps ~60 bytes per block of the
// file (about 50 MB for a 1 GB PST of small items; a sound PST keeps a
// few MB), so the limit rises to one and a half times the live heap when
// that is more (internal/gcfloor: a fixed limit under the live heap made
// the collector run back to back). GOMEMLIMIT overrides it.
const softMemoryLimit = 160 << 20

// heapFloor: below this heap size the garbage collector does not run (see
// internal/gcfloor). A run over a small mailbox would otherwise spend a
// quarter of its time collecting a heap of a few megabytes; above the
// floor the collector keeps its default pace. GOGC overrides it.
const heapFloor = 32 << 20

// tuneRuntime sets the garbage collector's policy for a run of the
// command (the tests' child processes take it too).
func tuneRuntime() {
	gcfloor.SoftLimit(softMemoryLimit)
	gcfloor.Start(heapFloor)
}

func main() {
	tuneRuntime()
	// for bench/: an execution trace (go tool trace) or a CPU profile of
	// a whole run, and what is live at its end
	stop := recording("MAILSALVAGE_TRACE", trace.Start, trace.Stop)
	stop = recording("MAILSALVAGE_CPUPROFILE", pprof.StartCPUProfile, pprof.StopCPUProfile, stop)
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if p := os.Getenv("MAILSALVAGE_MEMPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	os.Exit(code)
}

// recording starts a recorder writing to the file named by env, when set,
// and returns what stops it (and then the stops given).
func recording(env string, start func(io.Writer) error, stop func(), then ...func()) func() {
	after := func() {
		for _, s := range then {
			s()
		}
	}
	p := os.Getenv(env)
	if p == "" {
		return after
	}
	f, err := os.Create(p)
	if err != nil {
		return after
	}
	if start(f) != nil {
		f.Close()
		return after
	}
	return func() {
		stop()
		f.Close()
		after()
	}
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmdline = append([]string(nil), args...)
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "mailsalvage:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count
	fmt.Fprintln(stderr, "mailsalvage:", err)
	fmt.Fprintln(stderr, "Run 'mailsalvage --help' for usage.")
	return exitUsage
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "mailsalvage", toolVersion())
			return nil
		},
	}
}
