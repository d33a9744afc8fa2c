package centre

import (
	"encoding/json"
	"strings"
	"time"
)

// SiteFront is what the pages of a site list besides their own content,
// kept by the store beside the site's change stamp (SiteStamp.Front) and
// changed in the same atomic write as each entry: for every language, the
// newest public entries of each list type (statements, publications,
// news), the newest public pinned entries, and the newest public pages
// (the navigation). A page then reads what it shows, not the newest
// entries to find them: the home page reads its entries by ID in one
// request, every page its navigation from the stamp.
//
// Each list is newest first (PublishedAt, then ID, as public listings
// are) and holds every public entry of its kind positioned after its
// Floor: a removed entry leaves the list without changing Floor, and a
// list cut to its length moves Floor up to the last entry it dropped.
// So the first entries of a list that are not expired at a time t are
// exactly the first entries a public listing returns at t, as long as the
// list holds enough of them; when it does not and Floor is not zero, the
// answer is unknown and the caller lists from the store (Newest reports
// it).
type SiteFront struct {
	Langs map[string]*FrontLists `json:"langs"`
	// Partial is set when a language was left out to keep the front
	// within MaxFrontBytes: a language not in Langs is then unknown
	// instead of having no public entry.
	Partial bool `json:"partial,omitempty"`
}

// FrontLists are the lists of one language of a SiteFront, by kind: each
// entry type of Types but pages (newest), "pinned", and TypePage (the
// navigation).
type FrontLists map[string]*FrontList

// FrontPinned is the kind of the list of pinned entries in FrontLists.
const FrontPinned = "pinned"

// FrontList is one list of a SiteFront.
type FrontList struct {
	Items []FrontItem `json:"items"`
	// Floor is the position (PublishedAt, ID) at or below which the list
	// may miss entries; zero when it holds every public entry of its kind.
	FloorAt time.Time `json:"floor_at,omitzero"`
	FloorID string    `json:"floor_id,omitempty"`
}

// FrontItem is a public entry as a SiteFront lists it: what orders it,
// what decides whether it is listed at a time, and what a navigation link
// shows (Title and Slug, kept for pages only).
type FrontItem struct {
	ID          string    `json:"id"`
	Version     int64     `json:"v"`
	Type        string    `json:"type"`
	Status      string    `json:"status"`
	Slug        string    `json:"slug,omitempty"`
	Title       string    `json:"title,omitempty"`
	PublishedAt time.Time `json:"published_at"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	Pinned      bool      `json:"pinned,omitempty"`
}

// Lengths of the lists of a SiteFront (kinds not named: FrontListLen),
// and the largest encoded front (a DynamoDB item holds 400 KB).
const (
	FrontListLen  = 12
	FrontPagesLen = 24
	MaxFrontBytes = 256 << 10
)

// NewSiteFront returns the front of a site without public entries: every
// list complete and empty.
func NewSiteFront() *SiteFront { return &SiteFront{Langs: map[string]*FrontLists{}} }

// frontKinds returns the kinds of list a public entry e belongs to.
func frontKinds(e *Entry) []string {
	kinds := []string{e.Type}
	if e.Pinned {
		kinds = append(kinds, FrontPinned)
	}
	return kinds
}

func frontItem(e *Entry) FrontItem {
	it := FrontItem{ID: e.ID, Version: e.Version, Type: e.Type, Status: e.Status, PublishedAt: e.PublishedAt.UTC(),
		ExpiresAt: e.ExpiresAt.UTC(), Pinned: e.Pinned}
	if e.ExpiresAt.IsZero() {
		it.ExpiresAt = time.Time{}
	}
	if e.Type == TypePage {
		it.Slug, it.Title = e.Slug, e.Title
	}
	return it
}

// after reports whether position (at, id) comes before (newer than) the
// position (bt, bid) in a public listing.
func after(at time.Time, id string, bt time.Time, bid string) bool {
	if !at.Equal(bt) {
		return at.After(bt)
	}
	return id > bid
}

// Apply changes f for a write of an entry from old to cur (nil: none, as
// for a new or deleted entry), as a store does in the write's own atomic
// update. It reports whether f changed.
func (f *SiteFront) Apply(old, cur *Entry) bool {
	changed := false
	if old != nil {
		if l := f.Langs[old.Lang]; l != nil {
			for _, fl := range *l {
				changed = fl.remove(old.ID) || changed
			}
		}
	}
	if cur != nil && cur.Lang != "" {
		if l := f.Langs[cur.Lang]; l != nil {
			for _, fl := range *l {
				changed = fl.remove(cur.ID) || changed
			}
		}
	}
	if cur == nil || !cur.Public() {
		return changed
	}
	lists := f.Langs[cur.Lang]
	if lists == nil {
		if f.Partial {
			return changed // an unknown language stays unknown
		}
		ls := FrontLists{}
		lists = &ls
		f.Langs[cur.Lang] = lists
	}
	it := frontItem(cur)
	for _, kind := range frontKinds(cur) {
		fl := (*lists)[kind]
		if fl == nil {
			fl = &FrontList{}
			(*lists)[kind] = fl
		}
		if fl.insert(it, frontLen(kind)) {
			changed = true
		}
	}
	if b, _ := json.Marshal(f); len(b) > MaxFrontBytes {
		delete(f.Langs, cur.Lang)
		f.Partial = true
	}
	return changed
}

func frontLen(kind string) int {
	if kind == TypePage {
		return FrontPagesLen
	}
	return FrontListLen
}

func (fl *FrontList) remove(id string) bool {
	for i, it := range fl.Items {
		if it.ID == id {
			fl.Items = append(fl.Items[:i], fl.Items[i+1:]...)
			return true
		}
	}
	return false
}

// insert adds it in its place unless it is at or below Floor, then cuts
// the list to n, raising Floor to the last item cut.
func (fl *FrontList) insert(it FrontItem, n int) bool {
	if !fl.FloorAt.IsZero() && !after(it.PublishedAt, it.ID, fl.FloorAt, fl.FloorID) {
		return false
	}
	i := 0
	for i < len(fl.Items) && after(fl.Items[i].PublishedAt, fl.Items[i].ID, it.PublishedAt, it.ID) {
		i++
	}
	fl.Items = append(fl.Items, FrontItem{})
	copy(fl.Items[i+1:], fl.Items[i:])
	fl.Items[i] = it
	if len(fl.Items) > n {
		last := fl.Items[len(fl.Items)-1]
		fl.FloorAt, fl.FloorID = last.PublishedAt, last.ID
		fl.Items = fl.Items[:n]
	}
	return true
}

// Newest returns the first n items of the list kind of language lang that
// are not expired at now and that keep returns true for (nil: all), in
// listing order; exact is false when the front cannot tell (a list
// without enough items above its Floor, or a language left out), and the
// caller must list from the store instead.
func (f *SiteFront) Newest(lang, kind string, n int, now time.Time, keep func(FrontItem) bool) (items []FrontItem, exact bool) {
	if f == nil {
		return nil, false
	}
	lists := f.Langs[lang]
	if lists == nil {
		return nil, !f.Partial
	}
	fl := (*lists)[kind]
	if fl == nil {
		return nil, true
	}
	for _, it := range fl.Items {
		if len(items) == n {
			return items, true
		}
		if !it.ExpiresAt.IsZero() && !now.Before(it.ExpiresAt) {
			continue
		}
		if keep == nil || keep(it) {
			items = append(items, it)
		}
	}
	return items, len(items) == n || fl.FloorAt.IsZero()
}

// Entry returns the item as an Entry of site in lang: the fields the
// item holds, no more (a navigation link, an ETag part).
func (it FrontItem) Entry(site, lang string) *Entry {
	e := &Entry{ID: it.ID, Site: site, Lang: lang, Slug: it.Slug, Status: it.Status, Version: it.Version,
		PublishedAt: it.PublishedAt, ExpiresAt: it.ExpiresAt}
	e.Type, e.Title, e.Pinned = it.Type, it.Title, it.Pinned
	return e
}

// EncodeSiteFront returns the stored form of f.
func EncodeSiteFront(f *SiteFront) ([]byte, error) { return json.Marshal(f) }

// DecodeSiteFront reads the stored form of a front. Returns EINTERNAL for
// bytes that are not one.
func DecodeSiteFront(b []byte) (*SiteFront, error) {
	f := &SiteFront{}
	if err := json.Unmarshal(b, f); err != nil || f.Langs == nil {
		return nil, Errorf(EINTERNAL, "bad site front: %v", err)
	}
	for lang, l := range f.Langs {
		if l == nil || strings.TrimSpace(lang) == "" {
			return nil, Errorf(EINTERNAL, "bad site front: language %q", lang)
		}
	}
	return f, nil
}
