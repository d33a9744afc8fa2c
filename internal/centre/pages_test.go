package centre

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPagerEnds(t *testing.T) {
	var p Pager
	if more, err := p.Next("", "c1"); !more || err != nil {
		t.Fatalf("first page: %v %v", more, err)
	}
	if more, err := p.Next("c1", ""); more || err != nil {
		t.Fatalf("last page: %v %v", more, err)
	}
	if p.Pages() != 2 {
		t.Fatalf("pages = %d", p.Pages())
	}
}

func TestPagerRefusesAStuckCursor(t *testing.T) {
	var p Pager
	if _, err := p.Next("c1", "c1"); err == nil {
		t.Fatal("a cursor that does not move was accepted")
	}
}

func TestPagerStopsAtMax(t *testing.T) {
	p := Pager{Max: 3}
	after := ""
	for i := 1; ; i++ {
		next := "c" + strconv.Itoa(i)
		more, err := p.Next(after, next)
		if err != nil {
			if i != 3 {
				t.Fatalf("stopped at page %d, want 3: %v", i, err)
			}
			return
		}
		if !more || i > 3 {
			t.Fatalf("page %d: more=%v", i, more)
		}
		after = next
	}
}

func TestValidID(t *testing.T) {
	if id := NewID(time.Now()); !ValidID(id) {
		t.Fatalf("NewID gave %q, which ValidID refuses", id)
	}
	for _, bad := range []string{"", "../../x", strings.Repeat("a", 5000), "01JZ00000000000000000000AA", "81jz000000000000000000000a", "01jz00000000000000000000i0", "01jz0000000000000000000/0a"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%.40q) = true", bad)
		}
	}
}
