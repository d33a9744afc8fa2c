package centre

import (
	"fmt"
	"strings"
)

// Limits on the shape of a Markdown body. The Markdown parser's work grows
// faster than the body for deeply nested block quotes and lists and for
// long runs of unclosed link brackets (64 KiB of ">" took seconds), so a
// body past these is refused before it is rendered. No statement a press
// office writes comes near them.
const (
	MaxBodyNesting  = 16   // block quotes and list items nested on one line
	MaxBodyBrackets = 4096 // "[" characters, link text openers
)

// BodyShapeProblem says why body is too complex to render, or "" when it
// is not.
func BodyShapeProblem(body string) string {
	if n := strings.Count(body, "["); n > MaxBodyBrackets {
		return fmt.Sprintf("has too many \"[\" characters (%d; at most %d)", n, MaxBodyBrackets)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if d := nesting(line); d > MaxBodyNesting {
			return fmt.Sprintf("nests block quotes or lists %d deep on one line (at most %d)", d, MaxBodyNesting)
		}
	}
	return ""
}

// nesting counts the container markers a line opens: each ">" and each
// "-", "*" or "+" followed by a space or tab, in the run of such markers
// and blanks that starts the line.
func nesting(line string) int {
	d := 0
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case ' ', '\t':
		case '>':
			d++
		case '-', '*', '+':
			if i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t') {
				d++
				continue
			}
			return d
		default:
			return d
		}
	}
	return d
}
