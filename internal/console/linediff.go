package console

import "strings"

// Bounds of a line diff: past them, callers show both texts whole.
const (
	maxDiffLines = 4000
	maxDiffCells = 1 << 20 // of the LCS table, after the common ends are cut
)

// lineOp is one line of a line diff: Op is " " (in both), "-" (only in
// the old text) or "+" (only in the new one).
type lineOp struct {
	Op, Text string
}

// diffLines returns the line diff from a to b (a longest common
// subsequence of lines), or nil when the texts are too long to compare
// within the bounds above.
func diffLines(a, b string) []lineOp {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x) > maxDiffLines || len(y) > maxDiffLines {
		return nil
	}
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if (len(mx)+1)*(len(my)+1) > maxDiffCells {
		return nil
	}
	// lcs[i][j]: the length of the longest common subsequence of mx[i:]
	// and my[j:].
	w := len(my) + 1
	lcs := make([]int32, (len(mx)+1)*w)
	for i := len(mx) - 1; i >= 0; i-- {
		for j := len(my) - 1; j >= 0; j-- {
			if mx[i] == my[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	out := make([]lineOp, 0, len(x)+len(y))
	for _, l := range x[:pre] {
		out = append(out, lineOp{" ", l})
	}
	i, j := 0, 0
	for i < len(mx) || j < len(my) {
		switch {
		case i < len(mx) && j < len(my) && mx[i] == my[j]:
			out = append(out, lineOp{" ", mx[i]})
			i, j = i+1, j+1
		case i < len(mx) && (j == len(my) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			out = append(out, lineOp{"-", mx[i]})
			i++
		default:
			out = append(out, lineOp{"+", my[j]})
			j++
		}
	}
	for _, l := range x[len(x)-suf:] {
		out = append(out, lineOp{" ", l})
	}
	return out
}
