package bounce

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mailsalvage/mailsalvage/formats/rfc5322"
)

// The kinds of agent (data/agents.tsv): how an agent's words about the
// recipient are read.
const (
	agentFilter = "filter" // a filter in front of the mail system: "no such user" is its rule
	agentList   = "list"   // a mailing list service refusing a post
	agentLookup = "lookup" // the recipient's mail system, or a relay quoting its lookup
)

// AgentRow is one row of data/agents.tsv: a mark that tells which mail
// system or product wrote a notice.
type AgentRow struct {
	Agent, Kind, Where string
	Expr               *regexp.Regexp
	Example            string
	Line               int
}

var agentRows []AgentRow

func loadAgents() {
	kinds := map[string]string{}
	readTSV("data/agents.tsv", 5, func(line int, f []string) {
		switch f[1] {
		case agentFilter, agentList, agentLookup:
		default:
			panic(fmt.Sprintf("bounce: data/agents.tsv:%d: unknown kind %q", line, f[1]))
		}
		if k, ok := kinds[f[0]]; ok && k != f[1] {
			panic(fmt.Sprintf("bounce: data/agents.tsv:%d: %s is %s on an earlier row", line, f[0], k))
		}
		kinds[f[0]] = f[1]
		agentRows = append(agentRows, AgentRow{Agent: f[0], Kind: f[1], Where: f[2], Expr: regexp.MustCompile(f[3]), Example: f[4], Line: line})
	})
}

// AgentRows returns the rows of the agent table, in file order.
func AgentRows() []AgentRow {
	tables()
	return append([]AgentRow(nil), agentRows...)
}

// agent is the mail system that wrote a notice, as far as it can be told,
// and, per recipient, the receiving provider that answered (see
// provider.go).
type agent struct {
	name, kind string
	origin     []string // the host names of the notice's earliest Received field
	provider   string
}

// detectAgent names the agent that wrote a notice from its header and
// its text (the first row of data/agents.tsv that matches), or the zero
// agent.
func detectAgent(top rfc5322.Header, notice string) agent {
	tables()
	body := ""
	for _, r := range agentRows {
		var vals []string
		switch r.Where {
		case "from", "subject":
			vals = []string{headerText(top, r.Where)}
		case "received":
			for _, v := range top.Values("Received") {
				vals = append(vals, rfc5322.Text(v))
			}
		case "body":
			if body == "" {
				body = normText(notice[:min(len(notice), 64<<10)])
			}
			vals = []string{body}
		default:
			for _, v := range top.Values(r.Where) {
				vals = append(vals, rfc5322.Text(v))
			}
		}
		for _, v := range vals {
			if r.Where != "body" {
				v = strings.ToLower(collapse(v))
			}
			if r.Expr.MatchString(v) {
				return agent{name: r.Agent, kind: r.Kind}
			}
		}
	}
	return agent{}
}
