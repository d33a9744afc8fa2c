package httpapi_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
	"infocentre/internal/storetest"
)

// staffOnly lists the fields of centre.Entry that no public response may
// carry. Every other field of centre.Entry must be in httpapi.PublicEntry.
var staffOnly = []string{"created_by", "last_change", "preview_generation", "review_note", "review_requested_at",
	"edited_by", "approved_at", "approved_by", "approval_note", "changes_requested_at", "changes_requested_by", "changes_note", "pending"}

// jsonFields maps the JSON names of the fields of struct type t, embedded
// structs flattened, to their fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = f
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestPublicEntryAllowlist makes every field of centre.Entry either public
// (in PublicEntry, with the same type and JSON tag) or staff-only, so a new
// field is a decision, not a leak.
func TestPublicEntryAllowlist(t *testing.T) {
	entry := jsonFields(reflect.TypeFor[centre.Entry]())
	public := jsonFields(reflect.TypeFor[httpapi.PublicEntry]())
	for name, pf := range public {
		ef, ok := entry[name]
		switch {
		case !ok:
			t.Errorf("PublicEntry field %q is not a field of centre.Entry", name)
		case pf.Type != ef.Type:
			t.Errorf("PublicEntry field %q is %s, centre.Entry's is %s", name, pf.Type, ef.Type)
		case pf.Tag.Get("json") != ef.Tag.Get("json"):
			t.Errorf("PublicEntry field %q has json tag %q, centre.Entry's has %q", name, pf.Tag.Get("json"), ef.Tag.Get("json"))
		}
	}
	for name := range entry {
		_, pub := public[name]
		staff := slices.Contains(staffOnly, name)
		switch {
		case pub && staff:
			t.Errorf("field %q is both in PublicEntry and staff-only", name)
		case !pub && !staff:
			t.Errorf("field %q of centre.Entry is neither in PublicEntry nor staff-only: decide whether the public may see it", name)
		}
	}
	for _, name := range staffOnly {
		if _, ok := entry[name]; !ok {
			t.Errorf("staff-only field %q is not a field of centre.Entry", name)
		}
	}
}

// TestOpenAPISchemasMatchTypes checks that the document's entry schemas
// name exactly the JSON fields of the Go types they describe.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(httpapi.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	for schema, typ := range map[string]reflect.Type{
		"Entry":       reflect.TypeFor[centre.Entry](),
		"PublicEntry": reflect.TypeFor[httpapi.PublicEntry](),
		"EntryInput":  reflect.TypeFor[centre.EntryInput](),
		"EntryPatch":  reflect.TypeFor[centre.EntryPatch](),
		"Site":        reflect.TypeFor[centre.Site](),
		"PublicSite":  reflect.TypeFor[httpapi.PublicSite](),
	} {
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Errorf("openapi.json has no schema %s", schema)
			continue
		}
		if got, want := sortedKeys(s.Properties), sortedKeys(jsonFields(typ)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v; %s has JSON fields %v", schema, got, typ, want)
		}
	}
}

// storeFilled writes an entry of site demo with every field set (see
// storetest.Fill) straight to the store, bookkeeping included, as a news
// entry published an hour ago that expires tomorrow.
func storeFilled(t *testing.T, e *env, slug, status string) *centre.Entry {
	t.Helper()
	now := time.Now().UTC()
	x := &centre.Entry{}
	storetest.Fill(t, x, 0)
	x.ID, x.Site, x.Slug, x.Lang, x.Type, x.Status = centre.NewID(now), "demo", slug, "en", centre.TypeNews, status
	x.PublishAt, x.PublishedAt, x.ExpiresAt = now.Add(-time.Hour), now.Add(-time.Hour), now.Add(24*time.Hour)
	x.Version, x.PreviewGeneration = 0, 0
	for i := range x.Attachments {
		x.Attachments[i].URL, x.Attachments[i].MediaType = "https://files.example.org/a.pdf", "application/pdf"
	}
	if err := e.store.CreateEntry(t.Context(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestPublicResponsesCarryNoStaffFields stores an entry with every field
// set and reads it through each public route: every public field comes
// out, and no staff-only one does.
func TestPublicResponsesCarryNoStaffFields(t *testing.T) {
	e := newEnv(t)
	storeFilled(t, e, "everything", centre.StatusPublished)
	draft := storeFilled(t, e, "draft-everything", centre.StatusDraft)

	// check fails if raw shows a staff-only field or leaves out a public
	// one (but those in absent: lists leave out the body).
	check := func(what string, raw json.RawMessage, absent ...string) {
		t.Helper()
		var got map[string]json.RawMessage
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, name := range staffOnly {
			if _, ok := got[name]; ok {
				t.Errorf("%s shows the staff-only field %q", what, name)
			}
		}
		for name := range jsonFields(reflect.TypeFor[httpapi.PublicEntry]()) {
			if _, ok := got[name]; !ok && !slices.Contains(absent, name) {
				t.Errorf("%s leaves out the public field %q", what, name)
			}
		}
	}
	var list struct{ Items []json.RawMessage }
	e.must(req{method: "GET", path: "/api/v1/sites/demo/entries"}, 200).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("public list: %d items, want 1", len(list.Items))
	}
	check("the public list", list.Items[0], "body", "body_html")
	check("the public entry", e.must(req{method: "GET", path: "/api/v1/sites/demo/entries/everything"}, 200).Body)

	var issued struct {
		APIURL string `json:"api_url"`
	}
	e.must(req{method: "POST", path: "/api/v1/admin/sites/demo/entries/" + draft.ID + "/previews", role: centre.RoleEditor}, 201).json(t, &issued)
	check("a preview", e.must(req{method: "GET", path: issued.APIURL}, 200).Body)
}

// TestStaticExportCarriesNoStaffFields exports a site holding an entry with
// every field set: no file of the archive (pages, feeds, the JSON snapshot
// of the public API) names a staff-only field or holds a staff-only value.
func TestStaticExportCarriesNoStaffFields(t *testing.T) {
	e := newEnv(t)
	x := storeFilled(t, e, "everything", centre.StatusPublished)
	x.PreviewGeneration = 7
	secrets := []string{x.CreatedBy, x.ReviewNote, x.LastChange.KeyID, x.LastChange.Note, x.LastChange.Role}
	r := e.must(req{method: "GET", path: "/api/v1/admin/sites/demo/export-static", role: centre.RoleAdmin}, 200)
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		seen[h.Name] = true
		for _, name := range staffOnly {
			if bytes.Contains(b, []byte(`"`+name+`"`)) {
				t.Errorf("%s names the staff-only field %q", h.Name, name)
			}
		}
		for _, v := range secrets {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds the staff-only value %q", h.Name, v)
			}
		}
	}
	for _, want := range []string{"feed.atom", "feed.rss", "feed.json", "en/everything/index.html",
		"api/v1/sites/demo/entries/index.json", "api/v1/sites/demo/entries/everything/en.json"} {
		if !seen[want] {
			t.Errorf("the archive lacks %s, so it was not checked", want)
		}
	}
}
