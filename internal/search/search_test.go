package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mk returns a document published days after t0.
func mk(id, lang, title, body string, days int) Doc {
	return Doc{ID: id, Slug: id, Lang: lang, Type: centre.TypeStatement, Title: title, Body: body,
		PublishedAt: t0.Add(time.Duration(days) * 24 * time.Hour)}
}

func build(t testing.TB, docs ...Doc) *Index {
	t.Helper()
	ix, err := Build(docs)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func search(t testing.TB, ix *Index, q Query) Result {
	t.Helper()
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func slugs(res Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Slug
	}
	return out
}

func text(t testing.TB, ix *Index, q string) []string {
	t.Helper()
	return slugs(search(t, ix, Query{Text: q}))
}

// fullText returns the slugs of the hits of q that match every word (not
// the partial matches that forgiving search returns instead of nothing).
func fullText(t testing.TB, ix *Index, q string) []string {
	t.Helper()
	var out []string
	for _, h := range search(t, ix, Query{Text: q}).Hits {
		if !h.Partial {
			out = append(out, h.Slug)
		}
	}
	return out
}

func eq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestTitleBeatsBody(t *testing.T) {
	ix := build(t,
		mk("body", "en", "Weekly update", "Ventilators ventilators ventilators were delivered to hospitals across the region this week.", 10),
		mk("title", "en", "Ventilator supply for intensive care", "We describe how production was doubled.", 0),
		mk("other", "en", "Masks", "Nothing to do with it.", 20),
	)
	if got := text(t, ix, "ventilators"); !eq(got, []string{"title", "body"}) {
		t.Fatalf("got %v, want the title match first", got)
	}
}

func TestTagAndOrganisationBeatBody(t *testing.T) {
	a := mk("tagged", "en", "A statement", "Short text.", 0)
	a.Tags = []string{"telehealth"}
	b := mk("org", "en", "Another statement", "Short text.", 0)
	b.Organisations = []string{"Digital Health Society"}
	c := mk("body", "en", "Yet another statement", "Short text on telehealth and the digital society.", 5)
	ix := build(t, a, b, c)
	if got := text(t, ix, "telehealth"); !eq(got, []string{"tagged", "body"}) {
		t.Fatalf("telehealth: got %v", got)
	}
	if got := text(t, ix, "digital society"); !eq(got, []string{"org", "body"}) {
		t.Fatalf("digital society: got %v", got)
	}
}

func TestRecencyBreaksTies(t *testing.T) {
	ix := build(t,
		mk("old", "en", "Vaccination campaign", "Same text.", 0),
		mk("new", "en", "Vaccination campaign", "Same text.", 9),
		mk("mid", "en", "Vaccination campaign", "Same text.", 5),
	)
	if got := text(t, ix, "vaccination"); !eq(got, []string{"new", "mid", "old"}) {
		t.Fatalf("got %v, want newest first among equals", got)
	}
}

func TestCaseAndAccentFolding(t *testing.T) {
	ix := build(t,
		mk("fr", "fr", "Santé publique et hôpitaux", "Les ÉTABLISSEMENTS de santé restent ouverts.", 0),
		mk("de", "de", "Gesundheitsämter und Straßenverkehr", "Die Ärzte arbeiten.", 0),
		mk("en", "en", "Unrelated", "Nothing here.", 0),
	)
	for q, want := range map[string][]string{
		"sante": {"fr"}, "SANTÉ": {"fr"}, "Sante Publique": {"fr"}, "hopitaux": {"fr"},
		"etablissements": {"fr"}, "arzte": {"de"}, "ÄRZTE": {"de"}, "strassenverkehr": {"de"},
		"straßenverkehr": {"de"}, "gesundheitsamter": {"de"},
	} {
		if got := text(t, ix, q+" "); !eq(got, want) {
			t.Errorf("%q: got %v, want %v", q, got, want)
		}
	}
}

func TestStemming(t *testing.T) {
	ix := build(t,
		mk("en", "en", "Vaccinations are running", "Hospitals reported shortages.", 0),
		mk("fr", "fr", "Les vaccinations continuent", "Les hôpitaux ont signalé des pénuries.", 0),
		mk("de", "de", "Impfungen laufen weiter", "Die Krankenhäuser meldeten Engpässe bei Schutzmasken.", 0),
	)
	for q, want := range map[string][]string{
		"vaccination ":    {"en", "fr"}, // English and French stems agree
		"hospital ":       {"en"},
		"shortage ":       {"en"},
		"run ":            {"en"},
		"hôpital ":        {"fr"},
		"pénurie ":        {"fr"},
		"signaler ":       {"fr"},
		"Impfung ":        {"de"},
		"Krankenhaus ":    {"de"},
		"Engpass ":        {"de"},
		"Schutzmaske ":    {"de"},
		"Krankenhäusern ": {"de"},
	} {
		if got := text(t, ix, q); !sameSet(got, want) {
			t.Errorf("%q: got %v, want %v", q, got, want)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, s := range a {
		m[s] = true
	}
	for _, s := range b {
		if !m[s] {
			return false
		}
	}
	return true
}

func TestPrefixOnLastWord(t *testing.T) {
	ix := build(t,
		mk("vacc", "en", "Vaccination logistics", "Cold chain.", 0),
		mk("vent", "en", "Ventilators", "Production doubled.", 0),
		mk("both", "en", "Cold storage for vaccines", "Ventilators too.", 0),
	)
	if got := text(t, ix, "vacc"); !sameSet(got, []string{"vacc", "both"}) {
		t.Fatalf("vacc: got %v", got)
	}
	if got := text(t, ix, "col"); !sameSet(got, []string{"vacc", "both"}) {
		t.Fatalf("col: got %v", got)
	}
	// Only the last word is a prefix.
	if got := text(t, ix, "cold vaccin"); !sameSet(got, []string{"vacc", "both"}) {
		t.Fatalf("cold vaccin: got %v", got)
	}
	if got := fullText(t, ix, "co vaccination"); len(got) != 0 {
		t.Fatalf("co vaccination: got %v, want nothing (co is not last)", got)
	}
	// A trailing space ends the word.
	if got := text(t, ix, "vacc "); len(got) != 0 {
		t.Fatalf("'vacc ': got %v, want nothing", got)
	}
	// Accents fold in prefixes too.
	fr := build(t, mk("fr", "fr", "Santé mentale", "", 0))
	if got := text(t, fr, "san"); !eq(got, []string{"fr"}) {
		t.Fatalf("san: got %v", got)
	}
	// A whole-word match ranks above a prefix-only match.
	w := build(t,
		mk("prefix", "en", "Careers in nursing", "", 9),
		mk("whole", "en", "Care in nursing homes", "", 0),
	)
	if got := text(t, w, "care"); !eq(got, []string{"whole", "prefix"}) {
		t.Fatalf("care: got %v", got)
	}
}

func TestPhrases(t *testing.T) {
	ix := build(t,
		mk("exact", "en", "Statement", "We support public health measures in schools.", 0),
		mk("apart", "en", "Statement", "Health is public; measures in schools too.", 5),
		mk("title", "en", "Public health", "Other words.", 1),
	)
	if got := text(t, ix, `"public health"`); !sameSet(got, []string{"exact", "title"}) {
		t.Fatalf(`"public health": got %v`, got)
	}
	if got := text(t, ix, `"public health measures" schools`); !eq(got, []string{"exact"}) {
		t.Fatalf(`phrase + word: got %v`, got)
	}
	if got := text(t, ix, `"health public"`); len(got) != 0 {
		t.Fatalf(`"health public": got %v`, got)
	}
	// An unclosed quote is read as plain words.
	if got := text(t, ix, `"health measures`); !sameSet(got, []string{"exact", "apart"}) {
		t.Fatalf(`unclosed: got %v`, got)
	}
	// Phrases stem and fold too.
	fr := build(t, mk("fr", "fr", "Les Établissements de Santé", "", 0))
	if got := text(t, fr, `"etablissement de sante"`); !eq(got, []string{"fr"}) {
		t.Fatalf("folded phrase: got %v", got)
	}
	// Phrases never span two tags.
	d := mk("tags", "en", "x", "", 0)
	d.Tags = []string{"public", "health"}
	if got := text(t, build(t, d), `"public health"`); len(got) != 0 {
		t.Fatalf("phrase across tags: got %v", got)
	}
}

func TestStopWordsAreOptional(t *testing.T) {
	ix := build(t,
		mk("a", "en", "Vaccines for children", "", 0),
		mk("b", "en", "Children and vaccines in the winter", "", 1),
	)
	if got := text(t, ix, "the vaccines for children "); !sameSet(got, []string{"a", "b"}) {
		t.Fatalf("got %v", got)
	}
	// A query of stop words only requires them.
	if got := text(t, ix, "in the "); !eq(got, []string{"b"}) {
		t.Fatalf("in the: got %v", got)
	}
}

func filterCorpus() []Doc {
	docs := []Doc{
		{ID: "1", Slug: "s1", Lang: "en", Type: centre.TypeStatement, Title: "Masks in schools", Tags: []string{"masks", "schools"}, Organisations: []string{"Société Française d'Oncologie"}},
		{ID: "2", Slug: "s2", Lang: "fr", Type: centre.TypeStatement, Title: "Masques à l'école", Tags: []string{"masks"}},
		{ID: "3", Slug: "p3", Lang: "en", Type: centre.TypePublication, Title: "Report on masks", Tags: []string{"masks", "report"}},
		{ID: "4", Slug: "n4", Lang: "en", Type: centre.TypeNews, Title: "Masks delivered", Tags: []string{"logistics"}},
		{ID: "5", Slug: "n5", Lang: "en-GB", Type: centre.TypeNews, Title: "Testing centres open", Tags: []string{"testing"}},
	}
	for i := range docs {
		docs[i].PublishedAt = t0.Add(time.Duration(i) * 24 * time.Hour)
	}
	return docs
}

func TestFiltersAndFacets(t *testing.T) {
	ix := build(t, filterCorpus()...)
	cases := []struct {
		q    Query
		want []string
	}{
		// The French entry matches by its tag.
		{Query{Text: "masks"}, []string{"p3", "s1", "n4", "s2"}},
		{Query{Text: "masks", Type: centre.TypePublication}, []string{"p3"}},
		{Query{Text: "masks", Tag: "schools"}, []string{"s1"}},
		{Query{Text: "masks", Organisation: "societe francaise d'oncologie"}, []string{"s1"}},
		{Query{Tag: "masks"}, []string{"p3", "s2", "s1"}},
		{Query{Lang: "fr"}, []string{"s2"}},
		{Query{Lang: "EN-gb"}, []string{"n5"}},
		{Query{From: t0.Add(24 * time.Hour), To: t0.Add(3 * 24 * time.Hour)}, []string{"p3", "s2"}},
		{Query{}, []string{"n5", "n4", "p3", "s2", "s1"}},
		{Query{Type: centre.TypeNews, Lang: "en"}, []string{"n4"}},
	}
	for _, c := range cases {
		if got := slugs(search(t, ix, c.q)); !eq(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.q, got, c.want)
		}
	}
	res := search(t, ix, Query{Text: "mask"})
	if res.Total != 4 {
		t.Fatalf("total %d, want 4 (en and fr)", res.Total)
	}
	wantTypes := map[string]int{"statement": 2, "publication": 1, "news": 1}
	wantTags := map[string]int{"masks": 3, "schools": 1, "report": 1, "logistics": 1}
	if fmt.Sprint(res.Facets.Types) != fmt.Sprint(wantTypes) || fmt.Sprint(res.Facets.Tags) != fmt.Sprint(wantTags) {
		t.Fatalf("facets %v %v, want %v %v", res.Facets.Types, res.Facets.Tags, wantTypes, wantTags)
	}
	// Facets count the whole result set, not the page.
	res = search(t, ix, Query{Text: "mask", Limit: 1})
	if len(res.Hits) != 1 || res.Facets.Types["statement"] != 2 || res.Total != 4 {
		t.Fatalf("page of 1: %d hits, facets %v, total %d", len(res.Hits), res.Facets.Types, res.Total)
	}
}

func TestPaging(t *testing.T) {
	var docs []Doc
	for i := range 25 {
		docs = append(docs, mk(fmt.Sprintf("d%02d", i), "en", "Testing update", "", i))
	}
	ix := build(t, docs...)
	var all []string
	q := Query{Text: "testing", Limit: 10}
	for pages := 0; ; pages++ {
		res := search(t, ix, q)
		all = append(all, slugs(res)...)
		if res.Next == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
		q.After = res.Next
	}
	if len(all) != 25 || all[0] != "d24" || all[24] != "d00" {
		t.Fatalf("paged %d: %v", len(all), all)
	}
}

func TestBadQueries(t *testing.T) {
	ix := build(t, mk("a", "en", "x", "", 0))
	for _, c := range []struct {
		q     Query
		field string
	}{
		{Query{Text: strings.Repeat("a", MaxQueryLen+1)}, "q"},
		{Query{Text: strings.Repeat("word ", MaxQueryTerms+1)}, "q"},
		{Query{Text: "\xff\xfe"}, "q"},
		{Query{Limit: -1}, "limit"},
		{Query{Limit: MaxLimit + 1}, "limit"},
		{Query{After: "abc"}, "cursor"},
		{Query{After: "-5"}, "cursor"},
		{Query{From: t0, To: t0}, "to"},
	} {
		_, err := ix.Search(context.Background(), c.q)
		var e *centre.Error
		if !errors.As(err, &e) || e.Code != centre.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != c.field {
			t.Errorf("%+v: got %v, want EINVALID on %s", c.q, err, c.field)
		}
	}
	// 500 characters of accented text are fine.
	if _, err := ix.Search(context.Background(), Query{Text: strings.Repeat("é", MaxQueryLen)}); err != nil {
		t.Fatalf("500 characters: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Query{Text: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestSnippets(t *testing.T) {
	body := strings.Repeat("Filler words about nothing in particular. ", 10) +
		"Hospitals need <script>alert(1)</script> more ventilators & masks now.\n\n" +
		strings.Repeat("More filler at the end of the text. ", 10)
	d := mk("x", "en", "Title", body, 0)
	ix := build(t, d)
	res := search(t, ix, Query{Text: "ventilator"})
	if len(res.Hits) != 1 {
		t.Fatalf("hits %v", slugs(res))
	}
	sn := res.Hits[0].Snippet
	if strings.Contains(sn, "<script>") || !strings.Contains(sn, "&lt;script&gt;") {
		t.Fatalf("snippet not escaped: %s", sn)
	}
	if !strings.Contains(sn, "<mark>ventilators</mark>") || strings.Count(sn, "<mark>") != 1 {
		t.Fatalf("snippet marks: %s", sn)
	}
	if !strings.HasPrefix(sn, "… ") || !strings.HasSuffix(sn, " …") || !strings.Contains(sn, "&amp; masks") {
		t.Fatalf("snippet shape: %s", sn)
	}
	if n := len(strings.Fields(sn)); n > snippetWords+2 {
		t.Fatalf("snippet too long (%d words): %s", n, sn)
	}
	// Several matched words, phrases and a prefix are all marked.
	res = search(t, ix, Query{Text: `"more ventilators" hosp`})
	if sn := res.Hits[0].Snippet; !strings.Contains(sn, "<mark>Hospitals</mark>") ||
		!strings.Contains(sn, "<mark>more</mark> <mark>ventilators</mark>") {
		t.Fatalf("snippet marks: %s", sn)
	}
	// A match in the title only gives the start of the summary.
	s := mk("y", "en", "Ventilators", "Body <b>text</b>.", 0)
	s.Summary = "A <summary> & more."
	res = search(t, build(t, s), Query{Text: "ventilators"})
	if sn := res.Hits[0].Snippet; sn != "A &lt;summary&gt; &amp; more." {
		t.Fatalf("title-only snippet: %q", sn)
	}
	// Listing without text: the start of the text, unmarked.
	res = search(t, build(t, mk("z", "en", "T", "Short <i>body</i>.", 0)), Query{})
	if sn := res.Hits[0].Snippet; sn != "Short &lt;i&gt;body&lt;/i&gt;." {
		t.Fatalf("listing snippet: %q", sn)
	}
}

func TestWithdrawnFoundAndMarked(t *testing.T) {
	w := mk("old", "en", "Travel advice", "Do not travel.", 5)
	w.Withdrawn = true
	ix := build(t, w, mk("new", "en", "Travel advice", "Travel with care.", 0))
	res := search(t, ix, Query{Text: "travel advice"})
	if !eq(slugs(res), []string{"new", "old"}) {
		t.Fatalf("got %v: a withdrawn entry ranks below a current one", slugs(res))
	}
	if res.Hits[0].Withdrawn || !res.Hits[1].Withdrawn {
		t.Fatalf("withdrawn flags %v %v", res.Hits[0].Withdrawn, res.Hits[1].Withdrawn)
	}
}

func TestExpiredEntriesLeftOut(t *testing.T) {
	a := mk("expiring", "en", "Testing sites open", "", 2)
	a.ExpiresAt = t0.Add(10 * 24 * time.Hour)
	ix := build(t, a, mk("lasting", "en", "Testing sites", "", 1))
	before, at := t0.Add(9*24*time.Hour), t0.Add(10*24*time.Hour)
	if got := slugs(search(t, ix, Query{Text: "testing", Now: before})); !sameSet(got, []string{"expiring", "lasting"}) {
		t.Fatalf("before expiry: %v", got)
	}
	if got := slugs(search(t, ix, Query{Text: "testing", Now: at})); !eq(got, []string{"lasting"}) {
		t.Fatalf("at expiry: %v", got)
	}
	if got := slugs(search(t, ix, Query{Now: at})); !eq(got, []string{"lasting"}) {
		t.Fatalf("listing at expiry: %v", got)
	}
	// Without Now, the current time counts.
	if got := slugs(search(t, ix, Query{Text: "testing"})); !eq(got, []string{"lasting"}) {
		t.Fatalf("now: %v", got)
	}
}

func TestOnlyPublicEntries(t *testing.T) {
	now := t0
	base := centre.Entry{ID: "e1", Site: "s", Slug: "e", Lang: "en",
		BodyHTML: "<p><strong>Bold</strong> text &amp; more</p><ul><li>one</li><li>two</li></ul>",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Secret plans",
			Body:          "**Bold** text",
			Tags:          []string{"t"},
			Organisations: []string{"Org"},
			Attachments:   []centre.Attachment{{Title: "Annex", URL: "https://example.org/a.pdf"}},
		},
	}
	for _, st := range []string{centre.StatusDraft, centre.StatusScheduled} {
		e := base
		e.Status = st
		if st == centre.StatusScheduled {
			e.PublishAt = now.Add(time.Hour)
		}
		if _, err := DocFromEntry(&e); !errors.Is(err, ErrNotPublic) || !centre.IsCode(err, centre.EINVALID) {
			t.Errorf("%s entry: err %v, want ErrNotPublic", st, err)
		}
	}
	// A published entry without a publication time is not public either.
	e := base
	e.Status = centre.StatusPublished
	if _, err := DocFromEntry(&e); !errors.Is(err, ErrNotPublic) {
		t.Errorf("published without time: %v", err)
	}
	if _, err := DocFromEntry(nil); !errors.Is(err, ErrNotPublic) {
		t.Errorf("nil entry: %v", err)
	}
	e.PublishedAt = now
	e.ExpiresAt = now.Add(time.Hour)
	d, err := DocFromEntry(&e)
	if err != nil {
		t.Fatal(err)
	}
	if d.Body != "Bold text & more\none\ntwo" || d.Attachments[0] != "Annex" || d.Withdrawn || !d.ExpiresAt.Equal(e.ExpiresAt) {
		t.Fatalf("doc %+v", d)
	}
	e.Status = centre.StatusWithdrawn
	if d, err = DocFromEntry(&e); err != nil || !d.Withdrawn {
		t.Fatalf("withdrawn: %+v %v", d, err)
	}
	// The index refuses documents that are not a public entry's.
	ix := New()
	if err := ix.Add(Doc{ID: "x", Title: "No date"}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("Add without published_at: %v", err)
	}
	if err := ix.Upsert(Doc{PublishedAt: now, Title: "No id"}); !centre.IsCode(err, centre.EINVALID) {
		t.Fatalf("Upsert without id: %v", err)
	}
	if ix.Len() != 0 {
		t.Fatalf("indexed %d", ix.Len())
	}
}

func TestAddUpsertRemove(t *testing.T) {
	ix := New()
	if err := ix.Add(mk("a", "en", "Oxygen supply", "", 0)); err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(mk("a", "en", "Oxygen supply", "", 0)); !centre.IsCode(err, centre.ECONFLICT) {
		t.Fatalf("second Add: %v", err)
	}
	if err := ix.Add(mk("b", "en", "Oxygen masks", "", 1)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ix, "oxygen"); !eq(got, []string{"b", "a"}) {
		t.Fatalf("got %v", got)
	}
	if err := ix.Upsert(mk("a", "en", "Testing capacity", "", 0)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ix, "oxygen"); !eq(got, []string{"b"}) {
		t.Fatalf("after upsert: %v", got)
	}
	if got := text(t, ix, "testing"); !eq(got, []string{"a"}) {
		t.Fatalf("after upsert: %v", got)
	}
	if !ix.Remove("b") || ix.Remove("b") {
		t.Fatal("Remove reports wrongly")
	}
	if got := text(t, ix, "oxygen"); len(got) != 0 {
		t.Fatalf("after remove: %v", got)
	}
	if got := slugs(search(t, ix, Query{})); !eq(got, []string{"a"}) || ix.Len() != 1 {
		t.Fatalf("listing after remove: %v (len %d)", got, ix.Len())
	}
}

func TestCompactsAfterManyUpdates(t *testing.T) {
	ix := build(t, mk("keep", "en", "Oxygen supply", "", 0))
	for i := range 3000 {
		if err := ix.Upsert(mk("churn", "en", fmt.Sprintf("Revision %d of the guidance", i), "", 1)); err != nil {
			t.Fatal(err)
		}
	}
	ix.mu.RLock()
	held := len(ix.docs)
	ix.mu.RUnlock()
	if held > 1100 {
		t.Fatalf("index holds %d records for 2 documents", held)
	}
	if got := text(t, ix, "oxygen"); !eq(got, []string{"keep"}) {
		t.Fatalf("oxygen: %v", got)
	}
	if got := text(t, ix, "revision 2999 "); !eq(got, []string{"churn"}) {
		t.Fatalf("latest revision: %v", got)
	}
	if got := fullText(t, ix, "revision 2998 "); len(got) != 0 {
		t.Fatalf("old revision: %v", got)
	}
}

func TestEncoding(t *testing.T) {
	docs := filterCorpus()
	docs[0].Body = "Body with ünïcödé and \x00 bytes"
	docs[0].Withdrawn = true
	docs[0].Attachments = []string{"Annex 1", ""}
	docs[1].PublishedAt = time.Date(1999, 12, 31, 23, 59, 59, 999e6, time.UTC)
	docs[2].ExpiresAt = time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for _, d := range docs {
		b, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Doc
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", d) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, d)
		}
		for i := range len(b) - 1 {
			if err := new(Doc).UnmarshalBinary(b[:i]); err == nil {
				t.Fatalf("truncated at %d decoded", i)
			}
		}
	}
	ix := build(t, docs...)
	data, err := ix.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	re := New()
	if err := re.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{{Text: "masks"}, {Tag: "masks"}, {Text: "ünïcödé"}} {
		a, b := search(t, ix, q), search(t, re, q)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("%+v differs after reload:\n%v\n%v", q, a, b)
		}
	}
	if _, err := DecodeDocs(append(data, 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	if _, err := DecodeDocs([]byte{0xff}); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestConcurrentReadersAndWriter(t *testing.T) {
	ix := build(t, filterCorpus()...)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := ix.Search(context.Background(), Query{Text: "mas"}); err != nil {
					t.Error(err)
					return
				}
				ix.Search(context.Background(), Query{})
			}
		}()
	}
	for i := range 200 {
		d := mk(fmt.Sprintf("w%d", i%20), "en", fmt.Sprintf("Masks batch %d", i), "Delivered", i)
		if err := ix.Upsert(d); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			ix.Remove(fmt.Sprintf("w%d", (i+7)%20))
		}
	}
	close(stop)
	wg.Wait()
}

// FuzzSearch checks that any query text either is refused as EINVALID or
// returns hits whose snippets are escaped text with only <mark> tags.
func FuzzSearch(f *testing.F) {
	docs := filterCorpus()
	docs[0].Body = "Santé <b>publique</b> & \"masques\" — l'école, Straße, ÆØÅ, 🙂 emoji, x<y>z"
	ix := build(f, docs...)
	for _, s := range []string{"", "sant", `"masques l"`, `"`, `""`, "a\"b\"c", "🙂", "ß", "  ", "x<y", "'école"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		res, err := ix.Search(context.Background(), Query{Text: q})
		if err != nil {
			if !centre.IsCode(err, centre.EINVALID) {
				t.Fatalf("%q: %v", q, err)
			}
			return
		}
		for _, h := range res.Hits {
			rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(h.Snippet)
			if strings.ContainsAny(rest, "<>") || strings.Count(h.Snippet, "<mark>") != strings.Count(h.Snippet, "</mark>") {
				t.Fatalf("%q: snippet %q", q, h.Snippet)
			}
		}
	})
}

// TestStopwords: the stop words of each language are stop words, written
// as fold makes terms, so that a query term matches one; other words are not.
func TestStopwords(t *testing.T) {
	for lang, list := range map[string]string{
		"en": "a an and are as at be but by for from has have in into is it its of on or that the their there these this to was were what when where which who will with",
		"fr": "c d j l m n s t au aux avec ce ces dans de des du elle en est et il ils la le les leur lui mais ne nous ou par pas pour qu que qui sa se ses son sont sur un une vous",
		"de": "aber als am an auf aus bei das dass dem den der des die ein eine einer eines er es für hat im in ist mit nach nicht oder sich sie sind und von vor wie wir zu zum zur",
	} {
		for _, w := range strings.Fields(list) {
			if !isStopword(fold(w)) {
				t.Errorf("%s: %q (folded %q) is not a stop word", lang, w, fold(w))
			}
		}
	}
	for _, w := range []string{"masks", "hospital", "für", "", "The", "vaccine"} {
		if isStopword(w) {
			t.Errorf("%q is a stop word", w)
		}
	}
}
