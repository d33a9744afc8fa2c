package main

import (
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// TestEntryFileProblems: each problem of an entry file is named with its
// file and line, all of them at once.
func TestEntryFileProblems(t *testing.T) {
	for name, c := range map[string]struct{ file, want string }{
		"no front matter":   {"# Title\n\nBody\n", "s.md:1: an entry file starts with a line \"---\""},
		"not closed":        {"---\ntype: news\ntitle: T\n", "s.md:4: the front matter has no closing line"},
		"yaml syntax":       {"---\ntype: news\ntitle: x\n  bad: indent\n---\n", "s.md:4: front matter: mapping values are not allowed"},
		"not a mapping":     {"---\n- a\n- b\n---\n", "s.md:2: the front matter must be keys and values"},
		"twice":             {"---\ntitle: A\ntype: news\ntitle: B\n---\n", `s.md:4: key "title" is given twice (first on line 2)`},
		"bad time":          {"---\npublish_at: tomorrow\n---\n", "s.md:2: publish_at must be a time like"},
		"bad bool":          {"---\npinned: maybe\n---\n", "s.md:2: pinned must be true or false"},
		"bad version":       {"---\nversion: -3\n---\n", "s.md:2: version must be a whole number from 1"},
		"title not text":    {"---\ntitle: [a, b]\n---\n", "s.md:2: title must be text"},
		"attachment key":    {"---\nattachments:\n  - title: Plan\n    href: https://x.example\n---\n", `s.md:4: unknown attachment key "href"`},
		"attachment size":   {"---\nattachments:\n  - title: Plan\n    size: big\n---\n", "s.md:4: attachment size must be a whole number"},
		"tag not text":      {"---\ntags: [a, [b]]\n---\n", "s.md:2: each of tags must be text"},
		"unknown and typed": {"---\nstatus: published\nsubtitel: x\n---\n", "s.md:2: unknown front-matter key \"status\""},
	} {
		_, err := parseEntryFile("s.md", []byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	// Every unknown key at once.
	_, err := parseEntryFile("s.md", []byte("---\nstatus: published\nsubtitel: x\n---\n"))
	if err == nil || strings.Count(err.Error(), "unknown front-matter key") != 2 {
		t.Errorf("two unknown keys: %v", err)
	}
}

// TestEntryFileValues: values, empty values and left-out keys, CRLF line
// ends and a byte order mark.
func TestEntryFileValues(t *testing.T) {
	ef, err := parseEntryFile("s.md", []byte("\ufeff---\r\ntitle: \"2026\"\r\ntags: []\r\npublish_at:\r\nexpires_at: 2026-12-01T09:00:00+01:00\r\npinned: true\r\n---\r\n\r\nBody **text**.\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if *ef.Title != "2026" || len(*ef.Tags) != 0 || !ef.PublishAt.IsZero() || !ef.ExpiresAt.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)) ||
		!*ef.Pinned || ef.Body != "Body **text**." || ef.Summary != nil || ef.Type != nil || ef.Organisations != nil {
		t.Fatalf("parsed %+v", ef)
	}
	// Against an entry: only what differs is a change; left-out keys are none.
	e := &centre.Entry{Content: centre.Content{Title: "2026", Tags: []string{"a"}, Body: "Body **text**.\n", Summary: "kept"},
		PublishAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, names := ef.changes(e)
	if strings.Join(names, ",") != "tags,publish_at,expires_at,pinned" {
		t.Fatalf("changes %v", names)
	}
}
