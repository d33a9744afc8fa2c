package console

import (
	"strings"
	"testing"
)

func TestDiffLines(t *testing.T) {
	show := func(ops []lineOp) string {
		var b strings.Builder
		for _, o := range ops {
			b.WriteString(o.Op + o.Text + "|")
		}
		return b.String()
	}
	for _, tc := range []struct{ a, b, want string }{
		{"a\nb\nc", "a\nb\nc", " a| b| c|"},
		{"a\nb\nc", "a\nB\nc", " a|-b|+B| c|"},
		{"a\nc", "a\nb\nc", " a|+b| c|"},
		{"a\nb\nc", "a\nc", " a|-b| c|"},
		{"", "new", "-|+new|"},
		{"x\ny\nz", "y\nz\nw", "-x| y| z|+w|"},
	} {
		if got := show(diffLines(tc.a, tc.b)); got != tc.want {
			t.Errorf("diffLines(%q, %q) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
	// Past the bounds there is no diff, not a slow one.
	long := strings.Repeat("line\n", maxDiffLines+1)
	if diffLines(long, "other") != nil {
		t.Error("a diff past maxDiffLines")
	}
	var a, b strings.Builder
	for i := range 2000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("y", i%5) + "\n")
	}
	if diffLines(a.String(), b.String()) != nil {
		t.Error("a diff past maxDiffCells")
	}
}
