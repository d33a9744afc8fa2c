package centre

import "fmt"

// MaxListPages bounds a loop that reads every page of a store list
// (ListEntries, ListAudit): at MaxPageSize items a page, a million items.
// No site comes near it; a loop that gets there has met a store fault or a
// cursor that goes round in circles, and must stop.
const MaxListPages = 10_000

// Pager ends and bounds a loop over the pages of a store list. Call Next
// with each page's next cursor: it reports whether another page follows,
// and returns an error when the store handed back the cursor it was given
// (the same page again, forever) or the loop has read Max pages (default
// MaxListPages).
//
//	var pg centre.Pager
//	for {
//		page, err := store.ListEntries(ctx, q)
//		…
//		more, err := pg.Next(q.After, page.Next)
//		if err != nil || !more { … }
//		q.After = page.Next
//	}
type Pager struct {
	Max   int // pages at most; 0 means MaxListPages
	pages int
}

// Next records one page read with cursor after whose next cursor is next.
func (p *Pager) Next(after, next string) (bool, error) {
	p.pages++
	if next == "" {
		return false, nil
	}
	if next == after {
		return false, fmt.Errorf("store list: page %d returned its own cursor as the next one", p.pages)
	}
	limit := p.Max
	if limit <= 0 {
		limit = MaxListPages
	}
	if p.pages >= limit {
		return false, fmt.Errorf("store list: more than %d pages; stopping", limit)
	}
	return true, nil
}

// Pages returns how many pages Next has been told about.
func (p *Pager) Pages() int { return p.pages }
