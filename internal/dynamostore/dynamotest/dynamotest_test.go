package dynamotest

import (
	"errors"
	"testing"
)

func TestMustFail(t *testing.T) {
	noServer := errors.New("moto_server is not on PATH")
	for _, tc := range []struct {
		name   string
		reason error
		ci     string
		want   bool
	}{
		{"no server, CI", noServer, "true", true},
		{"no server, not CI", noServer, "", false},
		{"no server, CI=false", noServer, "false", false},
		{"-short, CI", errShort, "true", false},
		{"-short, not CI", errShort, "", false},
	} {
		if got := mustFail(tc.reason, tc.ci); got != tc.want {
			t.Errorf("%s: mustFail = %v, want %v", tc.name, got, tc.want)
		}
	}
}
