// Package bounce finds delivery failure notices (bounces) among recovered
// messages and says, for each failed recipient, what went wrong: the
// address, the SMTP reply code (RFC 5321), the enhanced status code
// (RFC 3463), a reason named as the sisimai bounce analyzer names them
// (userunknown, mailboxfull, blocked...), the remote server's own words and
// a plain-language explanation in English or Japanese.
//
// It is an analysis layer added to the layout of DESIGN.md: it reads
// RFC 5322 bytes, imports only formats/rfc5322 and go-message's charsets,
// and is imported by cmd/mailsalvage (the explain command, and the bounce
// fields recover writes into provenance.jsonl through export.Options.Bounce).
//
// What is read:
//   - RFC 3464 delivery status notifications: multipart/report with a
//     message/delivery-status (or message/global-delivery-status) part,
//     including Outlook REPORT.IPM.Note.NDR items as formats/mapi rebuilds
//     them, notices whose multipart header or delimiters were lost, and
//     notices that paste their delivery-status fields into the text;
//   - free-text notices (Postfix, Exim and its X-Failed-Recipients,
//     Sendmail transcripts, qmail, Exchange, Gmail, Yahoo, Japanese
//     carriers...), read by their wording, with bodies in any charset
//     go-message knows (ISO-2022-JP, Shift_JIS and EUC-JP sniffed when
//     undeclared or mislabelled);
//   - Amazon SES bounce notifications in their JSON (SNS) form;
//   - a notice wrapped in another one or forwarded by a person.
//
// Auto-replies (RFC 3834), delivery success reports, SES delivery and
// complaint notifications and abuse reports (ARF, RFC 5965) are not
// bounces: Parse returns nil for them.
//
// The tables are data: data/status.tsv (enhanced status code to reason),
// data/patterns.tsv (server wording to reason, each row with an example
// the tests check; our own rows), data/sisimai-phrases.tsv (phrases
// sisimai collected, read the same way, under its licence: see the file
// and data/LICENSE.sisimai) and data/explain.tsv (the explanations). The reason is
// decided from the words first, then the status code, then the SMTP stage
// the notice names (see classify.go).
//
// Receiving providers' own codes and sentences (Microsoft, Google, Orange,
// Cox, Spectrum, GoDaddy, QQ Mail, Mimecast, KDDI, i.ua) are read by
// data/providers.tsv and data/provider-replies.tsv before the general
// tables (provider.go).
//
// Not done: most of sisimai's per-product rules (its "Lhost" modules,
// which read the same words differently by sending product) are not
// reproduced, so its reason is matched on 97.5% of the corpus's bounces
// (every difference is justified in differences_test.go), on 95.3% of
// its other public test messages of maildir/bsd (which the tables were
// tuned on), on 88.7% of a held-out test half of sets from the same
// projects, and on 68-77% of notices from 31 other projects (README,
// "Bounces: explain"); mailing-list manager notices (fml loop alerts,
// Google Groups in other languages) are mostly not read.
package bounce
