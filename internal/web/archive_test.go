package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// TestArchivedHomeShowsItsContent: an archived site's home shows the
// archive notice with what it holds, never "Nothing published yet" (issue
// 15, defect 8); an archive with no entries says so.
func TestArchivedHomeShowsItsContent(t *testing.T) {
	e, svc, _ := newServiceEnv(t, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	owner := centre.Principal{KeyID: "owner", Site: centre.AllSites, Role: centre.RoleOwner}
	archived := centre.SiteArchived
	if _, err := svc.CreateSite(ctx, owner, centre.SiteInput{Slug: "empty", Title: "Empty", Publisher: "P",
		Contact: centre.Contact{Email: "a@example.org"}}); err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{fixture.Site, fixture.OtherSite, "empty"} {
		site, _ := e.store.GetSite(ctx, slug)
		if _, err := svc.UpdateSite(ctx, owner, slug, centre.SitePatch{Status: &archived}, site.Version); err != nil {
			t.Fatal(err)
		}
	}
	home := e.get(base + "/").body
	if strings.Contains(home, "Nothing published yet") || !strings.Contains(home, "was archived on") || !strings.Contains(home, `/en/`+fixture.StatementSlug) {
		t.Errorf("archived home:\n%s", home)
	}
	other := e.get("/sites/" + fixture.OtherSite + "/").body
	if strings.Contains(other, "Nothing published yet") || strings.Contains(other, "Latest news") || !strings.Contains(other, "Latest statements") {
		t.Errorf("an archive shows the lists that hold something, and only those:\n%s", other)
	}
	empty := e.get("/sites/empty/").body
	if strings.Contains(empty, "Nothing published yet") || !strings.Contains(empty, "This archive holds no entries.") {
		t.Errorf("empty archive's home:\n%s", empty)
	}
}
