package s3http

import (
	"strings"
	"testing"
)

func TestErrorCode(t *testing.T) {
	for doc, want := range map[string]string{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a</Key></Error>`: "NoSuchKey",
		`<Error><Code>AccessDenied</Code></Error>`:             "AccessDenied",
		`<Error><Message>no code</Message></Error>`:            "",
		`<Error><Code>Bad &amp; code</Code></Error>`:           "",
		`<Error><Code>` + strings.Repeat("A", 101) + `</Code>`: "",
		`<Error><Code>Unterminated`:                            "",
		``:                                                     "",
	} {
		if got := errorCode([]byte(doc)); got != want {
			t.Errorf("errorCode(%.60q) = %q, want %q", doc, got, want)
		}
	}
}
