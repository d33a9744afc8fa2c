package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"gopkg.in/yaml.v3"

	"infocentre/internal/alerts/mailpittest"
	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/static"
)

// access is one DynamoDB request as IAM authorises it: the action, the
// index ("" for the table) and the partition key it touches ("" when the
// request has none, like a Scan).
type access struct{ action, index, key string }

// recorder is SDK middleware that records every request's accesses under
// the current label (the function whose code is running).
type recorder struct {
	mu    sync.Mutex
	label string
	seen  map[string]map[access]bool
}

func (r *recorder) register(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("test.recorder",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r.record(middleware.GetOperationName(ctx), in.Parameters)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

func pk(m map[string]types.AttributeValue) string {
	if s, ok := m["PK"].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func (r *recorder) record(op string, params any) {
	var acc []access
	switch p := params.(type) {
	case *dynamodb.GetItemInput:
		acc = append(acc, access{"GetItem", "", pk(p.Key)})
	case *dynamodb.PutItemInput:
		acc = append(acc, access{"PutItem", "", pk(p.Item)})
	case *dynamodb.UpdateItemInput:
		acc = append(acc, access{"UpdateItem", "", pk(p.Key)})
	case *dynamodb.DeleteItemInput:
		acc = append(acc, access{"DeleteItem", "", pk(p.Key)})
	case *dynamodb.QueryInput:
		k := ""
		if s, ok := p.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS); ok {
			k = s.Value
		}
		acc = append(acc, access{"Query", aws.ToString(p.IndexName), k})
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				acc = append(acc, access{"PutItem", "", pk(it.Put.Item)})
			case it.Update != nil:
				acc = append(acc, access{"UpdateItem", "", pk(it.Update.Key)})
			case it.Delete != nil:
				acc = append(acc, access{"DeleteItem", "", pk(it.Delete.Key)})
			case it.ConditionCheck != nil:
				acc = append(acc, access{"ConditionCheckItem", "", pk(it.ConditionCheck.Key)})
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, it := range p.TransactItems {
			acc = append(acc, access{"GetItem", "", pk(it.Get.Key)})
		}
	case *dynamodb.BatchGetItemInput:
		for _, ka := range p.RequestItems {
			for _, k := range ka.Keys {
				acc = append(acc, access{"BatchGetItem", "", pk(k)})
			}
		}
	default:
		acc = append(acc, access{op, "", ""}) // Scan, Batch*, table management: no policy allows them
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[r.label] == nil {
		r.seen[r.label] = map[access]bool{}
	}
	for _, a := range acc {
		r.seen[r.label][a] = true
	}
}

func (r *recorder) as(label string) {
	r.mu.Lock()
	r.label = label
	r.mu.Unlock()
}

// statement is the part of an IAM statement this test evaluates.
type statement struct {
	actions  []string
	resource []string // "table" or "index/NAME"
	leading  []string // dynamodb:LeadingKeys patterns (StringLike); nil: any
}

func (s statement) allows(a access) bool {
	if !slices.Contains(s.actions, "dynamodb:"+a.action) {
		return false
	}
	res := "table"
	if a.index != "" {
		res = "index/" + a.index
	}
	if !slices.Contains(s.resource, res) {
		return false
	}
	if s.leading == nil {
		return true
	}
	for _, p := range s.leading {
		if ok, _ := path.Match(p, a.key); ok && a.key != "" {
			return true
		}
	}
	return false
}

// templatePolicies returns each function's DynamoDB statements from
// template.yaml.
func templatePolicies(t *testing.T) map[string][]statement {
	t.Helper()
	raw, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// Keep short-form intrinsics recognisable: !GetAtt Table.Arn and
	// !Sub "${Table.Arn}/index/X" become strings with their tag.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range n.Content {
			walk(c)
		}
		if n.Kind == yaml.ScalarNode && (n.Tag == "!GetAtt" || n.Tag == "!Sub" || n.Tag == "!Ref") {
			n.Value = n.Tag + " " + n.Value
			n.Tag = "!!str"
		}
	}
	walk(&doc)
	var tpl struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Policies []yaml.Node `yaml:"Policies"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := doc.Decode(&tpl); err != nil {
		t.Fatal(err)
	}
	list := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, e.(string))
			}
			return out
		}
		return nil
	}
	out := map[string][]statement{}
	for name, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		for _, p := range r.Properties.Policies {
			var pol struct {
				Statement []struct {
					Action    any            `yaml:"Action"`
					Resource  any            `yaml:"Resource"`
					Condition map[string]any `yaml:"Condition"`
				} `yaml:"Statement"`
			}
			if p.Tag == "!If" || p.Decode(&pol) != nil {
				continue // the optional KMS statement
			}
			for _, st := range pol.Statement {
				s := statement{actions: list(st.Action)}
				for _, res := range list(st.Resource) {
					switch {
					case res == "!GetAtt Table.Arn":
						s.resource = append(s.resource, "table")
					case strings.HasPrefix(res, "!Sub ${Table.Arn}/"):
						s.resource = append(s.resource, strings.TrimPrefix(res, "!Sub ${Table.Arn}/"))
					}
				}
				if like, ok := st.Condition["ForAllValues:StringLike"].(map[string]any); ok {
					s.leading = list(like["dynamodb:LeadingKeys"])
				} else if len(st.Condition) > 0 {
					t.Fatalf("%s: condition %v not understood by this test", name, st.Condition)
				}
				out[name] = append(out[name], s)
			}
		}
	}
	return out
}

// TestFunctionTableAccess runs each function's code paths on DynamoDB
// (moto_server), records every request it makes, and checks each against
// that function's IAM policy in template.yaml: the template grants what
// the code uses, and the checks below show it grants no more where it
// matters (public and authorizer never touch keys or idempotency records,
// no function scans).
func TestFunctionTableAccess(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{seen: map[string]map[access]bool{}}
	rec.as("setup")
	store := dynamotest.NewStore(t, dynamostore.WithClientOptions(func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, rec.register)
	}))
	// A loopback WebSub hub, so that the notifier's websub channel runs.
	var pinged atomic.Int64
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { pinged.Add(1); w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(hub.Close)
	// A mailpit, so that email alerts are on: the public function stores a
	// subscription with its confirmation email, the notifier sends it.
	mail := mailpittest.Start(t, 0)
	a, owner := launchEnv(t, app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789",
		WebSubHub: hub.URL, PublicOrigin: "https://centre.example.net", WebhookAllowLoopback: true,
		AlertsSecret: "test-alerts-secret-0123456789", AlertsFrom: "Alerts <alerts@example.net>", SMTPURL: mail.SMTPURL}, store)
	staff := centre.Principal{KeyID: "test", Site: centre.AllSites, Role: centre.RoleOwner}
	// A loopback webhook endpoint (the test-only switch), so that the
	// notifier's webhook channel runs.
	var hooked atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hooked.Add(1); w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(receiver.Close)
	if _, _, err := a.Service.CreateWebhook(ctx, staff, demo.Slug, centre.WebhookInput{URL: receiver.URL, Events: centre.WebhookEvents}); err != nil {
		t.Fatal(err)
	}

	// A draft with a preview link, and an entry scheduled a second ahead.
	draft, err := a.Service.CreateEntry(ctx, staff, demo.Slug, centre.EntryInput{Slug: "draft-for-review", Lang: "en",
		Content: centre.Content{Type: centre.TypeNews, Title: "Draft for review", Summary: "Not yet public.", Body: "Draft body."}})
	if err != nil {
		t.Fatal(err)
	}
	link, err := a.Service.CreatePreview(ctx, staff, demo.Slug, draft.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// It has a file of the site: the publisher makes the file public too.
	pdf := &centre.File{ID: centre.NewID(time.Now()), Site: demo.Slug, Name: "soon.pdf", MediaType: "application/pdf",
		Kind: centre.KindDocument, Size: 100, SHA256: strings.Repeat("ab", 32), CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := store.CreateFile(ctx, pdf, 0); err != nil {
		t.Fatal(err)
	}
	publishAt := time.Now().Add(time.Second).UTC().Truncate(time.Millisecond)
	scheduled, err := a.Service.CreateEntry(ctx, staff, demo.Slug, centre.EntryInput{Slug: "scheduled-news", Lang: "en",
		Status: centre.StatusScheduled, PublishAt: publishAt,
		Content: centre.Content{Type: centre.TypeNews, Title: "Scheduled news", Summary: "Soon.", Body: "Soon public.",
			Attachments: []centre.Attachment{{Title: "Soon", FileID: pdf.ID}}}})
	if err != nil {
		t.Fatal(err)
	}

	serve := func(h http.Handler, method, target, body string, header ...string) int {
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	// A key minted by another key: authenticating it walks the chain.
	ownerP, err := a.Service.Authenticate(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	_, child, err := a.Service.CreateKey(ctx, ownerP, demo.Slug, centre.KeyInput{Role: centre.RoleEditor, Name: "child"})
	if err != nil {
		t.Fatal(err)
	}

	rec.as("PublicFunction")
	pub := a.Handler.Public()
	previewOK := false
	for _, p := range []string{"/", "/healthz", "/sites/demo/", "/sites/demo/search?q=cancer", "/sites/demo/feed.atom",
		"/sites/demo/sitemap.xml", "/sites/demo/en/keep-cancer-care-going/", "/api/v1/sites/demo",
		"/api/v1/sites/demo/entries?tag=cancer-care", "/api/v1/sites/demo/entries/keep-cancer-care-going",
		"/api/v1/sites/demo/search?q=sante", "/api/v1/openapi.json", "/sites/no-such-site/",
		"/preview/" + link.Token, "/sites/demo/preview/" + link.Token} {
		code := serve(pub, "GET", p, "")
		if code >= 500 {
			t.Errorf("public GET %s: %d", p, code)
		}
		if strings.Contains(p, "/preview/") && code == 200 {
			previewOK = true
		}
	}
	if !previewOK {
		t.Error("no preview URL answered 200: the public function's preview reads went untested")
	}
	if code := serve(pub, "POST", "/sites/demo/subscribe", "email=reader%40example.org&scope=site",
		"Content-Type", "application/x-www-form-urlencoded"); code != http.StatusAccepted {
		t.Errorf("public POST /sites/demo/subscribe: %d", code)
	}

	rec.as("AuthorizerFunction")
	authz, err := app.NewAuthorizer(a.Config, store, a.Log) // as functions/authorizer wires it
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{owner, child} {
		if _, err := authz.Service.Authenticate(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := authz.Service.Authenticate(ctx, "icsk_"+strings.Repeat("A", 43)); err == nil {
		t.Fatal("a made-up key authenticated")
	}

	// The publisher's run (PublisherRun): the release, then the front of
	// a site that has none (as one created before fronts were kept).
	rec.as("setup")
	dropFront(t, store, demo.Slug)
	rec.as("PublisherFunction")
	time.Sleep(time.Until(publishAt) + 10*time.Millisecond)
	if n, err := a.PublisherRun()(ctx); err != nil || n != 1 {
		t.Fatalf("the publisher's run: %d, %v", n, err)
	}
	rec.as("setup")
	if got := frontOf(t, store, demo.Slug); !strings.Contains(got, `"id":"`+scheduled.ID+`"`) {
		t.Fatalf("the publisher did not rebuild the demo's front with the entry it released: %s", got)
	}
	if f, err := store.FileByHash(ctx, demo.Slug, pdf.SHA256); err != nil || f.PublicSince.IsZero() {
		t.Fatalf("the publisher did not make the entry's file public: %+v, %v", f, err)
	}

	// The notifier: the stream's record of the release at once, then a
	// tick (every due record: the demo's and the release's).
	rec.as("NotifierFunction")
	page, err := store.ListNotifications(ctx, centre.NotificationQuery{Site: demo.Slug, Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("no outbox record: %v", err)
	}
	n := a.NewNotifier(nil)
	if st, err := n.DeliverOne(ctx, demo.Slug, page.Items[0].ID); err != nil || st.Delivered != 1 {
		t.Fatalf("DeliverOne: %+v, %v", st, err)
	}
	if st, err := n.Tick(ctx); err != nil || st.Delivered == 0 {
		t.Fatalf("notifier tick: %+v, %v", st, err)
	}
	if pinged.Load() == 0 {
		t.Fatal("the notifier pinged no hub: its websub reads went untested")
	}
	if hooked.Load() == 0 {
		t.Fatal("the notifier sent no webhook: its webhook reads and writes went untested")
	}
	// On a loaded machine a tick may end at its time bound before it
	// reaches the confirmation record: the next ticks send it, as on AWS.
	for i := 0; i < 5 && len(mail.Search(t, "reader@example.org")) == 0; i++ {
		time.Sleep(200 * time.Millisecond)
		if _, err := n.Tick(ctx); err != nil {
			t.Fatalf("notifier tick: %v", err)
		}
	}
	if len(mail.Search(t, "reader@example.org")) != 1 {
		t.Fatal("the notifier sent no confirmation email: its email reads and writes went untested")
	}

	// The edge function renders a site's mirror: the reads of a whole
	// static copy below /sites/demo (what static.Options.Sync does).
	rec.as("EdgeFunction")
	if _, err := (static.Options{Prefix: "/sites/demo", NoAPI: true}).Export(ctx, a.Service, demo.Slug,
		path.Join(t.TempDir(), "mirror"), nil); err != nil {
		t.Fatalf("the edge function's render of the mirror: %v", err)
	}

	rec.as("AdminFunction")
	adm := a.Handler.Admin()
	auth := []string{"Authorization", "Bearer " + owner, "Content-Type", "application/json"}
	for _, c := range []struct {
		method, path, body string
		idem               bool
	}{
		{"POST", "/api/v1/admin/sites", `{"slug":"heatwave","title":"Heatwave","from":"demo","publisher":"Heat Agency","contact":{"email":"heat@example.org"}}`, true},
		{"GET", "/api/v1/admin/sites/heatwave/entries", "", false},
		{"POST", "/api/v1/admin/sites/heatwave/keys", `{"role":"editor","name":"press"}`, true},
		{"GET", "/api/v1/admin/sites/heatwave/keys", "", false},
		{"POST", "/api/v1/admin/sites/demo/entries", `{"type":"statement","title":"Admin statement","summary":"S.","body":"B."}`, true},
		{"GET", "/api/v1/admin/sites/demo/audit", "", false},
		{"GET", "/api/v1/admin/sites/demo/export", "", false},
	} {
		h := auth
		if c.idem {
			h = append(slices.Clone(auth), "Idempotency-Key", "k-"+c.path)
		}
		if code := serve(adm, c.method, c.path, c.body, h...); code >= 300 {
			t.Errorf("admin %s %s: %d", c.method, c.path, code)
		}
	}

	policies := templatePolicies(t)
	for _, fn := range []string{"PublicFunction", "AuthorizerFunction", "PublisherFunction", "NotifierFunction", "AdminFunction", "EdgeFunction"} {
		seen := rec.seen[fn]
		if len(seen) == 0 {
			t.Errorf("%s: no DynamoDB request recorded", fn)
		}
		for acc := range seen {
			ok := false
			for _, st := range policies[fn] {
				ok = ok || st.allows(acc)
			}
			if !ok {
				t.Errorf("%s: template.yaml does not allow %s on %q key %q, which the code does", fn, acc.action, acc.index, acc.key)
			}
		}
	}
	// What the scoped policies must keep out, whatever the code does.
	for fn, denied := range map[string][]access{
		"PublicFunction": {{"GetItem", "", "KEYHASH#x"}, {"GetItem", "", "KEY#x"}, {"GetItem", "", "IDEM#x"},
			{"Query", "", "A#demo"}, {"PutItem", "", "SITE#demo"}, {"Query", "GSI2", "DUE"}, {"Scan", "", ""},
			{"Query", "GSI1", "KEYS#demo"}, {"Query", "GSI1", "PEOPLE#demo"}, {"Query", "GSI1", "ASC#demo#site#daily"}},
		"AuthorizerFunction": {{"GetItem", "", "SITE#demo"}, {"Query", "", "KEYHASH#x"}, {"PutItem", "", "KEYHASH#x"}, {"PutItem", "", "KEY#x"},
			{"Query", "GSI1", "KEYS#demo"}, {"GetItem", "", "IDEM#x"}},
		"PublisherFunction": {{"GetItem", "", "KEYHASH#x"}, {"PutItem", "", "KEY#x"}, {"GetItem", "", "IDEM#x"}, {"Query", "GSI1", "KEYS#demo"},
			{"Query", "GSI1", "P#demo#tag#x"}, {"Query", "GSI1", "PEOPLE#demo"},
			{"Query", "GSI1", "ASC#demo#site#daily"}, {"ConditionCheckItem", "", "KEY#x"},
			{"PutItem", "", "SITE#demo"}, {"UpdateItem", "", "SITE#demo"}, {"PutItem", "", "A#demo"}, {"Scan", "", ""}},
		"AdminFunction": {{"Scan", "", ""}, {"BatchWriteItem", "", ""}, {"DeleteTable", "", ""}},
		"NotifierFunction": {{"GetItem", "", "KEYHASH#x"}, {"GetItem", "", "IDEM#x"}, {"PutItem", "", "S#demo#x"}, {"PutItem", "", "OUTBOX#demo"},
			{"UpdateItem", "", "SITE#demo"}, {"UpdateItem", "", "R#demo#x"}, {"DeleteItem", "", "OUTBOX#demo"}, {"Scan", "", ""}},
		"EdgeFunction": {{"PutItem", "", "S#demo#x"}, {"UpdateItem", "", "SITE#demo"}, {"GetItem", "", "KEYHASH#x"},
			{"GetItem", "", "IDEM#x"}, {"Query", "", "A#demo"}, {"Query", "GSI2", "DUE"}, {"Scan", "", ""},
			{"Query", "GSI1", "KEYS#demo"}, {"Query", "GSI1", "PEOPLE#demo"}, {"Query", "GSI1", "ASC#demo#site#daily"}},
	} {
		for _, acc := range denied {
			for _, st := range policies[fn] {
				if st.allows(acc) {
					t.Errorf("%s: template.yaml allows %v", fn, acc)
				}
			}
		}
	}
}
