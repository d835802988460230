package bounce

import (
	"regexp"
	"sync"
)

// lazyRE is a regular expression compiled on its first use. Every run of
// the command links this package, and compiling its expressions when the
// program started took 3 ms and 1.3 MB of each run, most of which never
// meets a notice.
type lazyRE struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// lazyREs lists every lazyRE made, for the test that compiles them all.
var lazyREs []*lazyRE

// lazyRegexp returns expr to be compiled on first use; a bad expression
// panics then, as regexp.MustCompile would at start (TestLazyRegexps
// compiles every one).
func lazyRegexp(expr string) *lazyRE {
	l := &lazyRE{expr: expr}
	lazyREs = append(lazyREs, l)
	return l
}

func (l *lazyRE) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

// String returns the source text without compiling it.
func (l *lazyRE) String() string { return l.expr }

func (l *lazyRE) MatchString(s string) bool              { return l.get().MatchString(s) }
func (l *lazyRE) FindString(s string) string             { return l.get().FindString(s) }
func (l *lazyRE) FindStringIndex(s string) []int         { return l.get().FindStringIndex(s) }
func (l *lazyRE) FindStringSubmatch(s string) []string   { return l.get().FindStringSubmatch(s) }
func (l *lazyRE) FindStringSubmatchIndex(s string) []int { return l.get().FindStringSubmatchIndex(s) }
func (l *lazyRE) FindAllString(s string, n int) []string {
	return l.get().FindAllString(s, n)
}
func (l *lazyRE) FindAllStringIndex(s string, n int) [][]int {
	return l.get().FindAllStringIndex(s, n)
}
func (l *lazyRE) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}
func (l *lazyRE) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.get().FindAllStringSubmatchIndex(s, n)
}
func (l *lazyRE) ReplaceAllString(s, repl string) string {
	return l.get().ReplaceAllString(s, repl)
}
func (l *lazyRE) ReplaceAllStringFunc(s string, f func(string) string) string {
	return l.get().ReplaceAllStringFunc(s, f)
}
func (l *lazyRE) Split(s string, n int) []string { return l.get().Split(s, n) }
