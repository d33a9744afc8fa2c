package centre

import (
	"strings"
	"testing"
	"time"
)

// TestBodyShape: bodies that would make the Markdown parser work for
// seconds are refused before rendering, with the reason; ordinary nesting
// and links pass.
func TestBodyShape(t *testing.T) {
	ok := []string{
		"A statement.\n\n> A quote\n> > nested\n\n- a\n  - b\n    - c\n\n---\n\n* * *\n",
		strings.Repeat("> ", MaxBodyNesting) + "deep but allowed",
		strings.Repeat("See [the report](https://example.org/r). ", 500),
		"-5 °C tonight; +3 tomorrow; *emphasis* and **strong**.",
	}
	for _, b := range ok {
		if why := BodyShapeProblem(b); why != "" {
			t.Errorf("refused %.40q: %s", b, why)
		}
	}
	bad := map[string]string{
		"quotes":          strings.Repeat(">", MaxBodyNesting+1) + " too deep",
		"spaced quotes":   strings.Repeat("> ", MaxBodyNesting+1),
		"lists":           strings.Repeat("- ", MaxBodyNesting+1) + "x",
		"mixed":           strings.Repeat("> - ", MaxBodyNesting/2+1) + "x",
		"64 KiB of >":     strings.Repeat(">", MaxBodyBytes),
		"unclosed links":  strings.Repeat("[a](", MaxBodyBrackets+1),
		"later line deep": "Fine first line.\n" + strings.Repeat(">", 40),
	}
	for name, b := range bad {
		start := time.Now()
		why := BodyShapeProblem(b)
		if why == "" {
			t.Errorf("%s: accepted", name)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: the check itself took %v", name, d)
		}
	}

	// Through the service: refused as invalid input naming the body, and
	// never handed to the renderer.
	rendered := 0
	e := &Entry{Content: Content{Type: TypeStatement, Title: "Deep", Body: bad["64 KiB of >"]}, Slug: "deep", Lang: "en"}
	s := &Service{Render: func(string) (string, error) { rendered++; return "", nil }}
	if err := s.render(e); err != nil || rendered != 0 || e.BodyHTML != "" {
		t.Fatalf("render: err %v, renderer called %d times, body_html %q", err, rendered, e.BodyHTML)
	}
	var p Problems
	e.checkBody(&p)
	if err := p.Err(); !IsCode(err, EINVALID) || !strings.Contains(err.Error(), "body") || !strings.Contains(err.Error(), "deep") {
		t.Fatalf("checkBody: %v", err)
	}
}
