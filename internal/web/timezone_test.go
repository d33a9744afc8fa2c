package web

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// inBrussels sets the fixture site's time zone to Europe/Brussels.
func inBrussels(st centre.Store, _ *Options, _ *centre.Service) {
	ctx := context.Background()
	s, err := st.GetSite(ctx, fixture.Site)
	if err != nil {
		panic(err)
	}
	s.TimeZone = "Europe/Brussels"
	if err := st.UpdateSite(ctx, s); err != nil {
		panic(err)
	}
}

// TestTimesInSiteZone: pages show dates with times in the site's time
// zone, in <time datetime> with its offset; a major correction shows at the
// top of the entry, the history stays at the bottom, and list items mark
// updated entries.
func TestTimesInSiteZone(t *testing.T) {
	e := newEnv(t, inBrussels)
	page := e.get(base + "/en/" + fixture.StatementSlug + "/").body
	for _, want := range []string{
		`<dd><time datetime="2026-03-12T09:30:00+01:00">12 March 2026, 09:30</time></dd>`,
		`<p class="notice"><strong>Updated <time datetime="2026-03-14T09:30:00+01:00">14 March 2026, 09:30</time> —</strong> Corrected the weeks of insulin stock from 6 to 8.</p>`,
		`<li><time datetime="2026-03-13T09:30:00+01:00">13 March 2026, 09:30</time>: Added the stock table.</li>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("entry page lacks %s", want)
		}
	}
	if top, hist := strings.Index(page, `class="notice"><strong>Updated`), strings.Index(page, `id="history"`); top < 0 || hist < top {
		t.Errorf("the correction is not at the top and the history at the bottom (%d, %d)", top, hist)
	}
	list := e.get(base + "/statements/").body
	re := regexp.MustCompile(`(?s)<li>\s*<h2><a href="[^"]*/en/` + fixture.StatementSlug + `/".*?</li>`)
	item := re.FindString(list)
	if !strings.Contains(item, `<strong>updated <time datetime="2026-03-14T09:30:00+01:00">14 March 2026, 09:30</time></strong>`) {
		t.Errorf("the list item of an updated entry is not marked: %q", item)
	}
}

// TestPreviewSaysNotPublished: a draft's preview never says "Published" or
// shows a publication history.
func TestPreviewSaysNotPublished(t *testing.T) {
	e, svc, _ := newServiceEnv(t, fixture.Base.Add(30*24*time.Hour))
	draft := entryBySlug(t, e.store, fixture.DraftSlug, "en")
	link, err := svc.CreatePreview(t.Context(), staff, fixture.Site, draft.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := e.get("/preview/" + link.Token)
	if r.StatusCode != 200 || !strings.Contains(r.body, "Preview — not published") {
		t.Fatalf("preview: %d", r.StatusCode)
	}
	for _, bad := range []string{"Published:", `id="history"`, "first published"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("the preview says %q", bad)
		}
	}
}
