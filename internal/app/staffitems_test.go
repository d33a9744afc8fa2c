package app_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
)

// staffPrefixes are the partition key prefixes of items only staff
// functions read: keys, idempotency records, audit events, people, their
// email claims, sessions and sign-in challenges, file usage, file records
// by ID and the staff lists by status.
var staffPrefixes = []string{"KEY#", "KEYHASH#", "KEYS#", "IDEM#", "A#", "PERSON#", "EMAIL#", "SESSION#", "CHALLENGE#",
	"FU#", "F#", "ST#"}

// itemTap is SDK middleware that keeps every key a request names and every
// item a response returns.
type itemTap struct {
	mu       sync.Mutex
	keys     []string
	returned []map[string]types.AttributeValue
}

func (tp *itemTap) register(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("test.itemTap",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			var keys []string
			switch p := in.Parameters.(type) {
			case *dynamodb.GetItemInput:
				keys = append(keys, pk(p.Key))
			case *dynamodb.QueryInput:
				if s, ok := p.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS); ok {
					keys = append(keys, s.Value)
				}
			case *dynamodb.TransactGetItemsInput:
				for _, it := range p.TransactItems {
					keys = append(keys, pk(it.Get.Key))
				}
			case *dynamodb.BatchGetItemInput:
				for _, ka := range p.RequestItems {
					for _, k := range ka.Keys {
						keys = append(keys, pk(k))
					}
				}
			default:
				keys = append(keys, "?"+middleware.GetOperationName(ctx))
			}
			out, md, err := next.HandleInitialize(ctx, in)
			var items []map[string]types.AttributeValue
			switch r := out.Result.(type) {
			case *dynamodb.GetItemOutput:
				if r.Item != nil {
					items = append(items, r.Item)
				}
			case *dynamodb.QueryOutput:
				items = append(items, r.Items...)
			case *dynamodb.TransactGetItemsOutput:
				for _, x := range r.Responses {
					if x.Item != nil {
						items = append(items, x.Item)
					}
				}
			case *dynamodb.BatchGetItemOutput:
				for _, list := range r.Responses {
					items = append(items, list...)
				}
			}
			tp.mu.Lock()
			tp.keys = append(tp.keys, keys...)
			tp.returned = append(tp.returned, items...)
			tp.mu.Unlock()
			return out, md, err
		}), middleware.After)
}

// holds reports whether any string, binary or nested value of v contains
// mark.
func holds(v types.AttributeValue, mark string) bool {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return strings.Contains(x.Value, mark)
	case *types.AttributeValueMemberB:
		return bytes.Contains(x.Value, []byte(mark))
	case *types.AttributeValueMemberSS:
		for _, s := range x.Value {
			if strings.Contains(s, mark) {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range x.Value {
			if holds(e, mark) {
				return true
			}
		}
	case *types.AttributeValueMemberM:
		for _, e := range x.Value {
			if holds(e, mark) {
				return true
			}
		}
	}
	return false
}

// TestPublicFunctionReadsNoStaffItems serves every public route of the
// public function's wiring (NewPublic) on DynamoDB (moto_server) and
// checks what it read: no request names, and no response returns, an item
// of keys, idempotency records, audit events, people, sessions, challenges
// or file bookkeeping; no response returns an entry that was never public
// (a draft, a draft translation of a public slug, a scheduled entry), nor
// anything holding their text — in list items, search documents or the
// site's front. Previews, which open a draft by a signed link, are left
// out: that read is what the link grants.
func TestPublicFunctionReadsNoStaffItems(t *testing.T) {
	dynamotest.Endpoint(t)
	ws := dynamotest.NewStore(t)
	cfg := app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789"}
	writer, _ := launchEnv(t, cfg, ws)
	ctx := context.Background()
	owner := centre.Principal{KeyID: "t", Site: centre.AllSites, Role: centre.RoleOwner}

	// Staff-only items of every kind, and never-public entries whose text
	// carries a mark.
	const mark = "CONFIDENTIALDRAFTMARK"
	if _, _, err := writer.Service.CreateKey(ctx, owner, demo.Slug, centre.KeyInput{Role: centre.RoleEditor, Name: "editor " + mark}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := writer.Service.InvitePerson(ctx, owner, demo.Slug, centre.PersonInput{Email: "staff@example.org", Name: "Staff " + mark, Role: centre.RoleEditor}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := ws.AppendAudit(ctx, &centre.AuditEvent{ID: centre.NewID(now), Site: demo.Slug, At: now, KeyID: "t", Role: centre.RoleOwner,
		Action: "entry.update", Target: mark, Outcome: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ClaimIdempotency(ctx, &centre.IdempotencyRecord{Scope: "t", Key: mark, RequestHash: "h", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := ws.CreateSession(ctx, &centre.Session{Hash: strings.Repeat("ab", 32), PersonID: "p", Method: "passkey", CreatedAt: now,
		LastSeenAt: now, ExpiresAt: now.Add(time.Hour), Client: mark}); err != nil {
		t.Fatal(err)
	}
	drafts := []centre.EntryInput{
		{Slug: "public-notice", Lang: "en", Status: centre.StatusPublished, Content: centre.Content{Type: centre.TypeStatement,
			Title: "Public notice", Summary: "Public.", Body: "Public.", Tags: []string{"cancer-care"}}},
		{Slug: "public-notice", Lang: "fr", Content: centre.Content{Type: centre.TypeStatement, Title: "Brouillon " + mark,
			Summary: "Pas encore public " + mark, Body: "Brouillon " + mark, Tags: []string{"cancer-care"}}}, // a draft translation of a public slug
		{Slug: "secret-plan", Lang: "en", Content: centre.Content{Type: centre.TypeNews, Title: "Plan " + mark,
			Summary: "Not public " + mark, Body: "Body " + mark, Pinned: true, Tags: []string{"cancer-care"}}},
		{Slug: "coming-soon", Lang: "en", Status: centre.StatusScheduled, PublishAt: now.Add(24 * time.Hour),
			Content: centre.Content{Type: centre.TypePage, Title: "Soon " + mark, Summary: "Later " + mark, Body: "Later " + mark}},
	}
	for _, in := range drafts {
		if _, err := writer.Service.CreateEntry(ctx, owner, demo.Slug, in); err != nil {
			t.Fatal(err)
		}
	}

	tap := &itemTap{}
	rs := dynamostore.New(dynamotest.Client(t), ws.Table(), dynamostore.WithTimeout(dynamotest.StoreTimeout),
		dynamostore.WithClientOptions(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, tap.register) }))
	pub, err := app.NewPublic(cfg, rs, app.NewLogger(io.Discard, "error"))
	if err != nil {
		t.Fatal(err)
	}
	h := pub.Handler.Public()
	paths := []string{"/", "/robots.txt", "/sites/demo/en/public-notice/", "/sites/demo/fr/public-notice/", "/sites/demo/en/secret-plan/",
		"/sites/demo/en/coming-soon/", "/sites/demo/search?q=" + mark, "/sites/demo/search?q=brouillon",
		"/api/v1/sites/demo/entries/public-notice", "/api/v1/sites/demo/entries/public-notice?lang=fr", "/api/v1/sites/demo/entries/secret-plan",
		"/api/v1/sites/demo/search?q=" + mark, "/api/v1/sites/demo/entries?lang=fr", "/sites/demo/tags/", "/sites/demo/organisations/"}
	for _, rt := range publicRoutes {
		paths = append(paths, rt.path)
	}
	for _, p := range paths {
		w := get(h, p, "Accept-Encoding", "gzip")
		if w.Code >= 500 {
			t.Errorf("GET %s: %d", p, w.Code)
		}
		if strings.Contains(w.Body.String(), mark) {
			t.Errorf("GET %s shows a never-public text", p)
		}
	}

	tap.mu.Lock()
	defer tap.mu.Unlock()
	if len(tap.keys) < len(paths) || len(tap.returned) == 0 {
		t.Fatalf("the tap saw %d requests and %d items: it is not in the public function's client", len(tap.keys), len(tap.returned))
	}
	for _, k := range tap.keys {
		if strings.HasPrefix(k, "?") {
			t.Errorf("the public function made a %s request", k[1:])
		}
		for _, p := range staffPrefixes {
			if strings.HasPrefix(k, p) {
				t.Errorf("the public function asked for a staff item: %s", k)
			}
		}
	}
	kinds := map[string]int{}
	for _, it := range tap.returned {
		key := pk(it)
		kinds[strings.SplitN(key, "#", 2)[0]]++
		for _, p := range staffPrefixes {
			if strings.HasPrefix(key, p) {
				t.Errorf("the public function received a staff item: %s", key)
			}
		}
		if st, ok := it["status"].(*types.AttributeValueMemberS); ok && (st.Value == centre.StatusDraft || st.Value == centre.StatusScheduled) {
			if _, once := it["published_at"]; !once {
				t.Errorf("the public function received a never-public entry: %s (%s)", key, st.Value)
			}
		}
		for name, v := range it {
			if holds(v, mark) {
				t.Errorf("the public function received never-public text in %s (attribute %s)", key, name)
			}
		}
	}
	t.Logf("%d requests; items received by partition kind: %v", len(tap.keys), kinds)
}
