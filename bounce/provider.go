package bounce

import (
	"fmt"
	"regexp"
	"strings"
)

// Receiving providers (data/providers.tsv) answer with their own codes and
// sentences ("OFR_506", "AUP#CXBL", "IB212", "5.7.509 Access denied...");
// their documented meaning decides the reason before the general tables
// (data/provider-replies.tsv), as in sisimai's per-provider rules. A
// provider is told by the remote host's name (the Remote-MTA field, or the
// host the notice says it talked to) or by the recipient's domain.

// ProviderRow is one row of data/providers.tsv: how a provider is told.
type ProviderRow struct {
	Provider, Where string // Where: "host", "domain" or "agent"
	Expr            *regexp.Regexp
	Example         string
	Line            int
}

// ProviderReply is one row of data/provider-replies.tsv: a provider's
// answer and the reason it stands for. Code, when set, must match the
// reply code and enhanced status code ("550 5.7.1", either may be
// missing); Expr must match the server's words (lower case, white space
// collapsed).
type ProviderReply struct {
	Provider, Reason string
	Code, Expr       *regexp.Regexp
	Example          string
	Line             int
}

var (
	providerRows    []ProviderRow
	providerReplies []ProviderReply
)

func loadProviders() {
	known := map[string]bool{}
	readTSV("data/providers.tsv", 4, func(line int, f []string) {
		switch f[1] {
		case "host", "domain", "agent":
		default:
			panic(fmt.Sprintf("bounce: data/providers.tsv:%d: unknown where %q", line, f[1]))
		}
		known[f[0]] = true
		providerRows = append(providerRows, ProviderRow{Provider: f[0], Where: f[1], Expr: regexp.MustCompile(f[2]), Example: f[3], Line: line})
	})
	valid := map[string]bool{}
	for _, r := range Reasons {
		valid[r] = true
	}
	readTSV("data/provider-replies.tsv", 5, func(line int, f []string) {
		if !known[f[0]] {
			panic(fmt.Sprintf("bounce: data/provider-replies.tsv:%d: unknown provider %q", line, f[0]))
		}
		if !valid[f[1]] {
			panic(fmt.Sprintf("bounce: data/provider-replies.tsv:%d: unknown reason %q", line, f[1]))
		}
		var code *regexp.Regexp
		if f[2] != "" {
			code = regexp.MustCompile(f[2])
		}
		providerReplies = append(providerReplies, ProviderReply{Provider: f[0], Reason: f[1], Code: code, Expr: regexp.MustCompile(f[3]), Example: f[4], Line: line})
	})
}

// ProviderRows returns the rows of the provider table, in file order.
func ProviderRows() []ProviderRow {
	tables()
	return append([]ProviderRow(nil), providerRows...)
}

// ProviderReplies returns the rows of the provider reply table, in file
// order.
func ProviderReplies() []ProviderReply {
	tables()
	return append([]ProviderReply(nil), providerReplies...)
}

// hostNamed finds the host names a notice says it talked to: "host
// mx1.example.net[192.0.2.1] said", "host: mx.example.net (192.0.2.1)", "while talking to mx.example.net.",
// a bracketed name closing a reply ("[xx.prod.outlook.com]").
var hostNamed = lazyRegexp(`(?:\bhost:?|talking to|remote-mta: dns;)\s+\[?([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)|\[([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,})\]`)

// detectProvider names the receiving provider of one recipient, from the
// remote MTA, the hosts its notice text names, the recipient's domain or
// the agent that wrote the notice; "" when none is known.
func detectProvider(a agent, addr, remoteMTA, text string) string {
	tables()
	var hosts []string
	if h := strings.Trim(strings.ToLower(firstWord(remoteMTA)), "[]."); h != "" {
		hosts = append(hosts, h)
	}
	for _, m := range hostNamed.FindAllStringSubmatch(strings.ToLower(text), 8) {
		hosts = append(hosts, strings.TrimSuffix(m[1]+m[2], "."))
	}
	if len(hosts) == 0 {
		// the notice names no remote host: the hosts of its earliest
		// Received field, where it was written
		hosts = a.origin
	}
	domain := ""
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		domain = strings.ToLower(strings.Trim(addr[i+1:], "<> ."))
	}
	for _, r := range providerRows {
		var vals []string
		switch r.Where {
		case "host":
			vals = hosts
		case "domain":
			vals = []string{domain}
		case "agent":
			vals = []string{strings.ToLower(a.name)}
		}
		for _, v := range vals {
			if v != "" && r.Expr.MatchString(v) {
				return r.Provider
			}
		}
	}
	return ""
}

// receivedHost finds the host names of a Received field ("from NAME
// (...) by NAME").
var receivedHost = lazyRegexp(`(?:^|\s)(?:from|by)\s+([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)`)

// originHosts returns the host names of the earliest Received field of a
// notice's header (the last one), lower case.
func originHosts(received []string) []string {
	if len(received) == 0 {
		return nil
	}
	var hs []string
	for _, m := range receivedHost.FindAllStringSubmatch(strings.ToLower(received[len(received)-1]), 2) {
		hs = append(hs, m[1])
	}
	return hs
}

// providerReason is the reason a provider's own answer stands for, or "".
func providerReason(provider, status, reply, t string) string {
	if provider == "" {
		return ""
	}
	tables()
	code := strings.TrimSpace(reply + " " + status)
	for _, r := range providerReplies {
		if r.Provider != provider || r.Code != nil && !r.Code.MatchString(code) {
			continue
		}
		if r.Expr.MatchString(t) {
			return r.Reason
		}
	}
	return ""
}
