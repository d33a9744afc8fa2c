package console

import (
	"strings"
	"testing"
	"time"
)

func TestLocalTimes(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want string // UTC, RFC 3339
	}{
		{"2026-01-15T09:30", "2026-01-15T08:30:00Z"},    // winter: UTC+1
		{"2026-07-01T12:00", "2026-07-01T10:00:00Z"},    // summer: UTC+2
		{"2026-03-29T03:00", "2026-03-29T01:00:00Z"},    // just after the clocks went forward
		{"2026-03-29T01:59", "2026-03-29T00:59:00Z"},    // just before
		{"2026-10-25T02:30", "2026-10-25T00:30:00Z"},    // happens twice: the first one (still UTC+2)
		{"2026-10-25T03:00", "2026-10-25T02:00:00Z"},    // after the clocks went back
		{"2026-07-01T12:00:45", "2026-07-01T10:00:45Z"}, // seconds, as sent back unchanged
		{"", "0001-01-01T00:00:00Z"},
	} {
		got, err := parseLocal(tc.in, brussels)
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("parseLocal(%q) = %s, %v; want %s", tc.in, got.Format(time.RFC3339), err, tc.want)
		}
		if tc.in != "" {
			if back := formatLocal(got, brussels); back != tc.in {
				t.Errorf("formatLocal(parseLocal(%q)) = %q", tc.in, back)
			}
		}
	}
	// 02:30 on the last Sunday of March does not exist in Brussels.
	if got, err := parseLocal("2026-03-29T02:30", brussels); err == nil || !strings.Contains(err.Error(), "does not exist in Europe/Brussels") {
		t.Errorf("a time in the spring gap: %s, %v", got, err)
	}
	for _, bad := range []string{"tomorrow", "2026-13-01T10:00", "2026-01-01 10:00", "2026-01-01T10:00Z"} {
		if _, err := parseLocal(bad, brussels); err == nil {
			t.Errorf("parseLocal(%q) accepted", bad)
		}
	}
	if got, _ := parseLocal("2026-07-01T12:00", time.UTC); got.Format(time.RFC3339) != "2026-07-01T12:00:00Z" {
		t.Errorf("UTC: %s", got)
	}
}
