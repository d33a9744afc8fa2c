package lambdaadapter

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// TestIfMatchListThroughLambda: an If-Match list (RFC 9110) reaches the
// real handler through API Gateway and the adapter as one list, although
// the proxy splits comma-separated header values: the entry is updated
// when any listed tag is current, and a list of stale tags gets 412.
func TestIfMatchListThroughLambda(t *testing.T) {
	cfg := app.Config{Store: "bolt", DataDir: t.TempDir()}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	if err := demo.Seed(ctx, a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	ok, _, err := a.Service.Bootstrap(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	owner := centre.Principal{KeyID: ok.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	_, editor, err := a.Service.CreateKey(ctx, owner, demo.Slug, centre.KeyInput{Role: centre.RoleEditor, Name: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.Service.CreateEntry(ctx, owner, demo.Slug, centre.EntryInput{Content: centre.Content{Type: centre.TypeNews, Title: "Through Lambda"}})
	if err != nil {
		t.Fatal(err)
	}

	event := func(ifMatch string) events.APIGatewayV2HTTPRequest {
		ev := loadEvent(t, "patch-if-match-list.json")
		ev.RawPath = strings.ReplaceAll(ev.RawPath, "ENTRY_ID", e.ID)
		ev.RequestContext.HTTP.Path = strings.ReplaceAll(ev.RequestContext.HTTP.Path, "ENTRY_ID", e.ID)
		ev.Headers["authorization"] = "Bearer " + editor
		if ifMatch != "" {
			ev.Headers["if-match"] = ifMatch
		}
		return ev
	}
	// As recorded: "stale", W/"v1", "v1" — the last one is current.
	resp := serve(t, a.Handler, event(""))
	etag := ""
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "ETag") {
			etag = v
		}
	}
	if resp.StatusCode != http.StatusOK || etag != `"v2"` {
		t.Fatalf("If-Match list with the current tag last: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	var got centre.Entry
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || got.Summary != "Changed through Lambda" {
		t.Fatalf("entry after PATCH: %v %+v", err, got)
	}
	// The same list again: v1 is no longer current.
	resp = serve(t, a.Handler, event(""))
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match list: %d %s", resp.StatusCode, resp.Body)
	}
	resp = serve(t, a.Handler, event(`"v9", "v2"`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf(`If-Match "v9", "v2": %d %s`, resp.StatusCode, resp.Body)
	}
}
