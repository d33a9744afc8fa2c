package edge

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/web/fixture"
)

// TestMirrorTimeThousandEntries reports how long the mirror of a site of
// 1,000 more entries (spread over 10 tags) takes on moto_server's S3: the
// first whole copy, a whole re-sync where nothing changed (a site change
// that alters no page), and the update after one more publication. It
// runs with EDGE_REPORT=1 (make bench):
//
//	EDGE_REPORT=1 go test -count=1 -run TestMirrorTimeThousandEntries -v ./internal/edge
func TestMirrorTimeThousandEntries(t *testing.T) {
	if os.Getenv("EDGE_REPORT") == "" {
		t.Skip("set EDGE_REPORT=1 to measure the mirror of a 1,000-entry site")
	}
	w := newWorld(t)
	ctx := context.Background()
	for i := range 1000 {
		at := fixture.Base.Add(time.Duration(i+1) * time.Minute)
		e := &centre.Entry{ID: centre.NewID(at), Site: fixture.Site, Slug: fmt.Sprintf("bulk-%04d", i),
			Lang: "en", BodyHTML: "<p>Text.</p>", Status: centre.StatusPublished, PublishedAt: at, UpdatedAt: at, CreatedAt: at,
			Content: centre.Content{Type: centre.TypeNews, Title: fmt.Sprintf("Bulk update %d", i), Body: "Text.",
				Tags: []string{fmt.Sprintf("topic-%d", i%10)}}}
		if err := w.st.CreateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	w.seen = w.entries()
	site, err := w.svc.Site(ctx, fixture.Site)
	if err != nil {
		t.Fatal(err)
	}
	whole := []Record{{ID: "whole", Created: w.now, Change: Change{Site: fixture.Site, OldSite: site, NewSite: site}}}
	rep, err := w.h.Apply(ctx, whole)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first copy: %d files rendered, %d written in %s", rep.Rendered, rep.Written, rep.MirrorTime.Round(time.Millisecond))
	rep, err = w.h.Apply(ctx, whole)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("whole re-sync, nothing changed: %d files rendered, %d written in %s", rep.Rendered, rep.Written, rep.MirrorTime.Round(time.Millisecond))
	if rep.Written != 0 {
		t.Errorf("a re-sync without change wrote %d files", rep.Written)
	}
	if _, err := w.svc.CreateEntry(ctx, w.owner, fixture.Site, centre.EntryInput{Slug: "one-more", Lang: "en", Status: centre.StatusPublished,
		Content: centre.Content{Type: centre.TypeNews, Title: "One more", Body: "Text.", Tags: []string{"topic-3"}}}); err != nil {
		t.Fatal(err)
	}
	rep = w.step("publish into a 1,000-entry site")
	t.Logf("one publication: %d invalidation paths; %d files rendered, %d written, %d deleted in %s",
		rep.Paths, rep.Rendered, rep.Written, rep.Deleted, rep.MirrorTime.Round(time.Millisecond))
}
