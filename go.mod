module github.com/mailsalvage/mailsalvage

go 1.26.8

require (
	github.com/emersion/go-message v0.18.2
	github.com/richardlehane/mscfb v1.0.9
	github.com/spf13/cobra v1.10.2
	golang.org/x/sys v0.38.0
	golang.org/x/text v0.31.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/richardlehane/msoleps v1.0.3 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
