package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/app"
	"infocentre/internal/centre"
	"infocentre/internal/demo"
	"infocentre/internal/dynamostore"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/httpapi"
)

// syncBuffer is a log sink that tests read after the requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// issueSecrets makes every kind of secret the staff API hands out, each
// under an Idempotency-Key and each replayed once, and returns the secrets
// and the idempotency keys used. A replay must be refused with 409, never
// show the secret again.
func issueSecrets(t *testing.T, a *app.App, owner string) (secrets, idemKeys []string) {
	t.Helper()
	call := func(method, path, key string, body any) (int, []byte, http.Header) {
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		r := httptest.NewRequest(method, path, rd)
		r.Header.Set("Authorization", "Bearer "+owner)
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		a.Handler.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes(), w.Header()
	}
	type secretCase struct {
		name, path, idem string
		body             any
		secret           func(t *testing.T, b []byte) string
	}
	keySecret := func(t *testing.T, b []byte) string {
		var v httpapi.IssuedKey
		if err := json.Unmarshal(b, &v); err != nil || !centre.LooksLikeKey(v.Secret) {
			t.Fatalf("no key secret in %s", b)
		}
		return v.Secret
	}
	status, b, _ := call("POST", "/api/v1/admin/sites/demo/entries", "", map[string]any{"type": "news", "title": "A draft to preview"})
	if status != 201 {
		t.Fatalf("create draft: %d %s", status, b)
	}
	var draft centre.Entry
	_ = json.Unmarshal(b, &draft)
	cases := []secretCase{
		{"site with its first admin key", "/api/v1/admin/sites", "idem-site-create",
			map[string]any{"slug": "secret-site", "title": "Secret site", "from": demo.Slug,
				"publisher": "Agency", "contact": map[string]any{"email": "a@example.org"}},
			func(t *testing.T, b []byte) string {
				var v httpapi.CreatedSite
				if err := json.Unmarshal(b, &v); err != nil || !centre.LooksLikeKey(v.AdminKey.Secret) {
					t.Fatalf("no admin key secret in %s", b)
				}
				return v.AdminKey.Secret
			}},
		{"site key", "/api/v1/admin/sites/demo/keys", "idem-site-key", map[string]any{"role": "editor", "name": "press office"}, keySecret},
		{"owner key", "/api/v1/admin/keys", "idem-owner-key", map[string]any{"name": "second owner"}, keySecret},
		{"preview link", "/api/v1/admin/sites/demo/entries/" + draft.ID + "/previews", "idem-preview", map[string]any{"expires_in": 3600},
			func(t *testing.T, b []byte) string {
				var v httpapi.IssuedPreview
				err := json.Unmarshal(b, &v)
				_, token, ok := strings.Cut(v.URL, "/preview/")
				if err != nil || !ok || token == "" {
					t.Fatalf("no preview link in %s", b)
				}
				return token
			}},
	}
	for _, c := range cases {
		status, b, _ := call("POST", c.path, c.idem, c.body)
		if status != 201 {
			t.Fatalf("%s: %d %s", c.name, status, b)
		}
		secret := c.secret(t, b)
		status, again, hdr := call("POST", c.path, c.idem, c.body)
		if status != http.StatusConflict || hdr.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s replayed: %d %s, want a 409 problem", c.name, status, again)
		}
		var p httpapi.Problem
		_ = json.Unmarshal(again, &p)
		if p.Code != "idempotency_secret_withheld" || !strings.Contains(p.Detail, "shown only once") {
			t.Errorf("%s replayed: problem %+v", c.name, p)
		}
		if bytes.Contains(again, []byte(secret)) {
			t.Errorf("%s replayed: the secret was shown again", c.name)
		}
		secrets, idemKeys = append(secrets, secret), append(idemKeys, c.idem)
	}
	return append(secrets, owner), idemKeys
}

// TestSecretsNeverStoredEmbedded: on the embedded store, the data file
// (every byte of it, free pages included) and the debug log hold no key
// secret and no preview token, yet hold the idempotency records.
func TestSecretsNeverStoredEmbedded(t *testing.T) {
	dir := t.TempDir()
	cfg := app.Config{Store: "bolt", DataDir: dir}
	store, err := app.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := app.New(cfg, store, app.NewLogger(&logs, "debug"))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(context.Background(), a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	secrets, idemKeys := issueSecrets(t, a, owner)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "infocentre.db"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, "bolt file", raw, secrets, idemKeys)
	assertNoSecrets(t, "debug log", []byte(logs.String()), secrets, nil)
}

// TestSecretsNeverStoredDynamoDB: every attribute of every item in the
// table (read raw, with a Scan) and the debug log hold no key secret and
// no preview token, yet the table holds the idempotency records.
func TestSecretsNeverStoredDynamoDB(t *testing.T) {
	client := dynamotest.Client(t)
	table := dynamotest.NewTable(t, client)
	store := dynamostore.New(client, table, dynamostore.WithTimeout(dynamotest.StoreTimeout))
	var logs syncBuffer
	a, err := app.New(app.Config{Store: "dynamodb", CursorSecret: "test-cursor-secret-0123456789", PreviewSecret: "test-preview-secret-0123456789"}, store, app.NewLogger(&logs, "debug"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := demo.Seed(context.Background(), a.Service, time.Now()); err != nil {
		t.Fatal(err)
	}
	_, owner, err := a.Service.Bootstrap(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	secrets, idemKeys := issueSecrets(t, a, owner)
	var raw bytes.Buffer
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table)})
	for pages := 0; p.HasMorePages() && pages < 1000; pages++ {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			for name, v := range it {
				raw.WriteString(name + "=")
				flatten(&raw, v)
				raw.WriteByte('\n')
			}
		}
	}
	assertNoSecrets(t, "DynamoDB table", raw.Bytes(), secrets, idemKeys)
	assertNoSecrets(t, "debug log", []byte(logs.String()), secrets, nil)
}

// flatten writes the raw bytes of an attribute value (binary values as
// they are, not base64), so a secret in any form is found.
func flatten(b *bytes.Buffer, v types.AttributeValue) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		b.WriteString(v.Value)
	case *types.AttributeValueMemberN:
		b.WriteString(v.Value)
	case *types.AttributeValueMemberB:
		b.Write(v.Value)
	case *types.AttributeValueMemberSS:
		b.WriteString(strings.Join(v.Value, "\x00"))
	case *types.AttributeValueMemberBS:
		b.Write(bytes.Join(v.Value, []byte{0}))
	case *types.AttributeValueMemberL:
		for _, x := range v.Value {
			flatten(b, x)
			b.WriteByte(0)
		}
	case *types.AttributeValueMemberM:
		for k, x := range v.Value {
			b.WriteString(k + "=")
			flatten(b, x)
			b.WriteByte(0)
		}
	}
}

func assertNoSecrets(t *testing.T, where string, raw []byte, secrets, mustHave []string) {
	t.Helper()
	for _, s := range mustHave {
		if !bytes.Contains(raw, []byte(s)) {
			t.Errorf("%s: no idempotency record %q: the check would prove nothing", where, s)
		}
	}
	for _, s := range secrets {
		// The random part alone, so that a stored form without the prefix
		// is caught too.
		part := strings.TrimPrefix(s, centre.KeyPrefix)
		if len(part) > 24 {
			part = part[len(part)-24:]
		}
		if bytes.Contains(raw, []byte(part)) {
			t.Errorf("%s holds a secret (…%s)", where, part[len(part)-6:])
		}
	}
}
