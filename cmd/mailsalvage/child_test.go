package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tests that must survive a crash or a hang of `mailsalvage` (the damage
// test, the corruption sweep) run it in a child process: the test binary
// re-executed with -test.run=^TestChildRun$ and the arguments in
// $MAILSALVAGE_CHILD_ARGS.

const childArgsEnv = "MAILSALVAGE_CHILD_ARGS"

// childHWMPrefix starts the line on which the child reports its own peak
// RSS ("VmHWM" of /proc/self/status, in kB): wait4's ru_maxrss would also
// count the parent's, inherited through the vfork that starts the child.
const childHWMPrefix = "mailsalvage-child-vmhwm: "

// TestChildRun is the child process of childRun.
func TestChildRun(t *testing.T) {
	env := os.Getenv(childArgsEnv)
	if env == "" {
		t.Skip("the child process of the damage and sweep tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(env), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(100)
	}
	tuneRuntime() // as main does: the memory measured is the command's
	code := run(args, os.Stdout, os.Stderr)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				fmt.Fprintln(os.Stderr, childHWMPrefix+strings.TrimSpace(v))
			}
		}
	}
	os.Exit(code)
}

// childResult is one run of `mailsalvage` in a child process.
type childResult struct {
	code    int // -1 if it did not exit
	maxRSS  int64
	elapsed time.Duration
	stderr  string // stdout and stderr
	err     error  // from exec
	hung    bool   // killed at the deadline
}

// childRun runs `mailsalvage args...` in a child process with a deadline.
func childRun(t *testing.T, timeout time.Duration, args ...string) childResult {
	t.Helper()
	b, _ := json.Marshal(args)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestChildRun$", "-test.count=1")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(b))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := childResult{elapsed: time.Since(start), stderr: out.String(), err: err, code: -1, hung: ctx.Err() != nil}
	if st := cmd.ProcessState; st != nil {
		r.code = st.ExitCode()
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss * 1024
		}
	}
	r.maxRSS = childPeakRSS(r.stderr, r.maxRSS)
	return r
}

// problem names what makes a run fail: a hang, a data race, a panic, an
// exit code other than 0 or 1; "" if none. tail is the stderr to show.
func (r childResult) problem(timeout time.Duration, tail string) string {
	switch {
	case r.hung:
		return fmt.Sprintf("hang: `mailsalvage` still running after %v", timeout)
	case strings.Contains(r.stderr, "WARNING: DATA RACE"):
		return "data race:\n" + tail
	case strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error:"):
		return "panic:\n" + tail
	case r.err != nil && r.code != exitOK && r.code != exitInputFail:
		return fmt.Sprintf("exit %d (%v):\n%s", r.code, r.err, tail)
	}
	return ""
}

// childPeakRSS returns the peak RSS the child reported, else ru_maxrss.
func childPeakRSS(stderr string, ruMaxRSS int64) int64 {
	for _, l := range strings.Split(stderr, "\n") {
		if v, ok := strings.CutPrefix(l, childHWMPrefix); ok {
			var kb int64
			if _, err := fmt.Sscanf(v, "%d kB", &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return ruMaxRSS
}
