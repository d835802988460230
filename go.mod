module github.com/mailsalvage/mailsalvage

go 1.26.8

require (
	github.com/emersion/go-message v0.18.2
	golang.org/x/text v0.31.0
)
