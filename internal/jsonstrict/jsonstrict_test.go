package jsonstrict

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type content struct {
	Title string   `json:"title"`
	Tags  []string `json:"tags"`
}

type input struct {
	content                // promoted: "title" and "tags" are fields of input
	Type    string         `json:"type"`
	Skip    string         `json:"-"`
	Plain   string         // no tag: its Go name
	At      time.Time      `json:"at"`
	Meta    map[string]any `json:"meta"`
	Items   []struct {
		Name string `json:"name"`
	} `json:"items"`
}

func TestCheck(t *testing.T) {
	ok := []string{
		`{"title":"a","tags":["x"],"type":"news","Plain":"p","at":"2030-01-01T00:00:00Z"}`,
		`{"meta":{"Any":"key","any":"case"},"items":[{"name":"a"},{"name":"b"}]}`,
		`{"title":"a",`, // not valid JSON: left to the decoder
		`[]`,
		`{}`,
	}
	for _, doc := range ok {
		if err := Check([]byte(doc), &input{}); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
	bad := []struct{ doc, field, reason string }{
		{`{"title":"a","title":"b"}`, "title", "twice"},
		{`{"Title":"a"}`, "Title", `did you mean "title"`},
		{`{"TAGS":[]}`, "TAGS", `did you mean "tags"`},
		{`{"plain":"p"}`, "plain", `did you mean "Plain"`},
		{`{"Skip":"x"}`, "Skip", "not a known field"},
		{`{"content":{}}`, "content", "not a known field"},
		{`{"meta":{"k":1,"k":2}}`, "meta.k", "twice"},
		{`{"items":[{"name":"a"},{"name":"a","name":"b"}]}`, "items[1].name", "twice"},
		{`{"items":[{"NAME":"a"}]}`, "items[0].NAME", "case-sensitive"},
		{`{"at":{"x":1,"x":2}}`, "at.x", "twice"},
		{`{"type":"a","\u017fype":"b"}`, "\u017fype", "not a known field"},
		{strings.Repeat(`{"meta":`, 40) + `1` + strings.Repeat(`}`, 40), "", "nested too deeply"},
	}
	for _, c := range bad {
		var e *Error
		if err := Check([]byte(c.doc), &input{}); !errors.As(err, &e) ||
			(c.field != "" && e.Field != c.field) || !strings.Contains(e.Reason, c.reason) {
			t.Errorf("%s: %v, want %s %q", c.doc, err, c.field, c.reason)
		}
	}
}
