package dynamostore

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

var at = time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)

func fullEntry() *centre.Entry {
	return &centre.Entry{
		ID: "01jzentry000000000000000001", Site: "flood",
		Slug: "report", Lang: "en-GB",
		BodyHTML:  strings.Repeat("<p>Body text.</p>", 2000),
		Status:    centre.StatusWithdrawn,
		PublishAt: at, PublishedAt: at.Add(time.Hour), UpdatedAt: at.Add(2 * time.Hour), CreatedAt: at.Add(-time.Hour),
		CreatedBy: "01jzkey", Version: 7,
		ChangeNotes:       []centre.ChangeNote{{At: at.Add(3 * time.Hour), Note: "Fixed a figure."}},
		WithdrawnAt:       at.Add(4 * time.Hour),
		WithdrawnReason:   "Superseded.",
		SupersededBy:      "report-2",
		ExpiresAt:         at.Add(48 * time.Hour),
		ReviewRequestedAt: at.Add(5 * time.Hour),
		ReviewNote:        "Please check the figures.",
		OutdatedSince:     at.Add(6 * time.Hour),
		PreviewGeneration: 3,
		LastChange:        centre.Change{At: at.Add(7 * time.Hour), KeyID: "01jzkey", Role: centre.RolePublisher, Action: "withdraw", Kind: "major", Note: "Withdrawn."},
		Content: centre.Content{
			Type:          centre.TypePublication,
			Title:         "Report",
			Summary:       "A summary",
			Body:          strings.Repeat("Body text. ", 2000),
			Tags:          []string{"health", "travel"},
			Organisations: []string{"Société X", "WHO"},
			Attachments:   []centre.Attachment{{Title: "PDF", URL: "https://example.org/r.pdf", MediaType: "application/pdf", Size: 1 << 20, Lang: "en"}},
			Pinned:        true,
		},
	}
}

func TestEntryRoundTrip(t *testing.T) {
	e := fullEntry()
	got, err := entryFromItem(entryToItem(e))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Fatalf("entry round trip:\n got %+v\nwant %+v", got, e)
	}
	// List items carry everything but the body.
	listed, err := entryFromItem(listItem(e, "tag#health"))
	if err != nil {
		t.Fatal(err)
	}
	want := *e
	want.Body, want.BodyHTML = "", ""
	if !reflect.DeepEqual(listed, &want) {
		t.Fatalf("list item:\n got %+v\nwant %+v", listed, &want)
	}
	// Zero values stay zero and leave no attribute behind.
	empty := &centre.Entry{ID: "x", Site: "s", Slug: "a", Lang: "en", Status: centre.StatusDraft}
	it := entryToItem(empty)
	for _, name := range []string{"tags", "attachments", "publish_at", "pinned", "body", attrGSI2PK} {
		if _, ok := it[name]; ok {
			t.Errorf("empty entry has attribute %q", name)
		}
	}
	got, err = entryFromItem(it)
	if err != nil || !reflect.DeepEqual(got, empty) {
		t.Fatalf("empty entry round trip: %+v, %v", got, err)
	}
}

func TestSparseIndexes(t *testing.T) {
	e := fullEntry()
	e.Status = centre.StatusDraft
	if _, ok := listItem(e, dimAll)[attrGSI1PK]; ok {
		t.Error("a draft's list item is in the public index")
	}
	e.Status = centre.StatusScheduled
	it := entryToItem(e)
	if _, ok := it[attrGSI2PK]; !ok {
		t.Fatal("a scheduled entry is not on the due list")
	}
	e.Status = centre.StatusPublished
	if _, ok := entryToItem(e)[attrGSI2PK]; ok {
		t.Error("a published entry is on the due list")
	}
	if _, ok := listItem(e, "tag#health")[attrGSI2PK]; ok {
		t.Error("a tag list item is in the status index")
	}
}

func TestMalformedItem(t *testing.T) {
	it := entryToItem(fullEntry())
	it["version"] = str("seven")
	if _, err := entryFromItem(it); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("malformed version: %v", err)
	}
	it = entryToItem(fullEntry())
	it["published_at"] = str("yesterday")
	if _, err := entryFromItem(it); err == nil {
		t.Fatal("malformed time accepted")
	}
}

func TestSiteKeyIdemRoundTrip(t *testing.T) {
	s := &centre.Site{Slug: "flood", Title: "Flood", Languages: []string{"en", "fr"}, Publisher: "P",
		Contact: centre.Contact{Email: "a@example.org", URL: "https://example.org"}, Theme: centre.Theme{Accent: "#000000"},
		Hosts: []string{"flood.example.org"}, Status: centre.SiteArchived, ArchivedAt: at, CreatedAt: at, UpdatedAt: at, Version: 3}
	gs, err := siteFromItem(siteToItem(s))
	if err != nil || !reflect.DeepEqual(gs, s) {
		t.Fatalf("site round trip: %+v, %v", gs, err)
	}
	k := &centre.Key{ID: "k1", Site: "*", Role: centre.RoleOwner, Name: "n", Hash: "abc", CreatedAt: at, ExpiresAt: at.Add(time.Hour), RevokedAt: at}
	for _, byHash := range []bool{false, true} {
		gk, err := keyFromItem(keyToItem(k, byHash))
		if err != nil || !reflect.DeepEqual(gk, k) {
			t.Fatalf("key round trip: %+v, %v", gk, err)
		}
	}
	r := &centre.IdempotencyRecord{Scope: "s", Key: "k", RequestHash: "h", Done: true, Status: 201,
		Header: []string{"A", "b"}, Body: []byte("x"), CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
	it := idemToItem(r)
	if got := it[TTLAttribute]; !reflect.DeepEqual(got, num(at.Add(time.Hour).Unix()+1)) {
		t.Fatalf("ttl %v: want the expiry rounded up to a whole second", got)
	}
	ev := &centre.AuditEvent{ID: "01jzevent", Site: "flood", At: at, KeyID: "k", Role: centre.RoleAdmin, Action: "key.revoke",
		Target: "t", RequestID: "r", Outcome: 409, Detail: "d"}
	gev, err := auditFromItem(auditToItem(ev))
	if err != nil || !reflect.DeepEqual(gev, ev) {
		t.Fatalf("audit event round trip: %+v, %v", gev, err)
	}
	gh, err := siteFromItem(hostItem("flood.example.org", s))
	if err != nil || !reflect.DeepEqual(gh, s) {
		t.Fatalf("host claim round trip: %+v, %v", gh, err)
	}
	if _, ok := hostItem("flood.example.org", s)[attrGSI1PK]; ok {
		t.Fatal("a host claim is in the site list")
	}
	gr, err := idemFromItem(it)
	if err != nil || !reflect.DeepEqual(gr, r) {
		t.Fatalf("record round trip: %+v, %v", gr, err)
	}
}

func TestItemSize(t *testing.T) {
	e := fullEntry()
	n := itemSize(entryToItem(e))
	if min := len(e.Body) + len(e.BodyHTML); n < min || n > min+2000 {
		t.Fatalf("itemSize %d, want a little over %d", n, min)
	}
}

func TestDims(t *testing.T) {
	e := fullEntry()
	e.Tags = []string{"a", "a", "b"}
	e.Organisations = []string{"Société X", "SOCIETE x!"}
	got := dims(e)
	want := []string{"all", "type#publication", "lang#en-GB", "tag#a", "tag#b", "org#societe-x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("dims %v, want %v", got, want)
	}
}

func BenchmarkEntryToItem(b *testing.B) {
	e := fullEntry()
	b.ReportAllocs()
	for b.Loop() {
		entryToItem(e)
	}
}

func BenchmarkEntryFromItem(b *testing.B) {
	it := entryToItem(fullEntry())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := entryFromItem(it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListItem(b *testing.B) {
	e := fullEntry()
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range dims(e) {
			listItem(e, d)
		}
	}
}

func BenchmarkSiteRoundTrip(b *testing.B) {
	s := &centre.Site{Slug: "flood", Title: "Flood", Languages: []string{"en", "fr"}, Publisher: "P", Status: centre.SiteActive, CreatedAt: at, UpdatedAt: at, Version: 3}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := siteFromItem(siteToItem(s)); err != nil {
			b.Fatal(err)
		}
	}
}
