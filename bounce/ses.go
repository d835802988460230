package bounce

import (
	"encoding/json"
	"strings"
)

// Amazon SES sends bounce notifications through SNS as JSON (the
// "Amazon SES notification contents" of its developer guide): an SNS
// envelope whose "Message" is itself JSON with "notificationType" and,
// for bounces, "bounce.bouncedRecipients". Delivery and complaint
// notifications are not bounces.

type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		ReportingMTA      string `json:"reportingMTA"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
}

// sesBounce reads an SES notification in a text; ok is false when the
// text holds none. A notification that is not a bounce gives ok and no
// recipients.
func sesBounce(text string) (rs []dsnRecipient, ok bool) {
	i := strings.IndexByte(text, '{')
	if i < 0 || !strings.Contains(text, "notificationType") && !strings.Contains(text, "eventType") {
		return nil, false
	}
	var n sesNotification
	var env struct {
		Message string `json:"Message"`
	}
	var raw json.RawMessage
	if json.NewDecoder(strings.NewReader(text[i:])).Decode(&raw) != nil {
		// long lines folded by a mail system: a line break before a space
		unfolded := strings.ReplaceAll(strings.ReplaceAll(text[i:], "\r\n", "\n"), "\n ", "")
		if json.NewDecoder(strings.NewReader(unfolded)).Decode(&raw) != nil {
			return nil, false
		}
	}
	if json.Unmarshal(raw, &env) == nil && strings.HasPrefix(strings.TrimSpace(env.Message), "{") {
		raw = json.RawMessage(env.Message)
	}
	if json.Unmarshal(raw, &n) != nil {
		return nil, false
	}
	kind := n.NotificationType
	if kind == "" {
		kind = n.EventType
	}
	if kind == "" {
		return nil, false
	}
	if kind != "Bounce" {
		return nil, true
	}
	for _, r := range n.Bounce.BouncedRecipients {
		if r.EmailAddress == "" {
			continue
		}
		action := strings.ToLower(r.Action)
		if action == "" {
			action = "failed"
			if n.Bounce.BounceType == "Transient" {
				action = "delayed"
			}
		}
		rs = append(rs, dsnRecipient{final: addrType(r.EmailAddress), action: action, status: r.Status,
			diagnostic: diagText(r.DiagnosticCode), diagType: diagTypeOf(r.DiagnosticCode), remoteMTA: diagText(n.Bounce.ReportingMTA)})
	}
	return rs, true
}
