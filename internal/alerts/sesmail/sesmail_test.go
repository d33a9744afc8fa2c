package sesmail_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"infocentre/internal/alerts"
	"infocentre/internal/alerts/sesmail"
	"infocentre/internal/centre"
	"infocentre/internal/dynamostore/dynamotest"
	"infocentre/internal/storetest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// confirmations delivers the confirmation emails waiting in the site's
// outbox (as the notifier does) and returns the first error.
func confirmations(t *testing.T, a *alerts.Alerts, store centre.Store) error {
	t.Helper()
	page, err := store.ListNotifications(t.Context(), centre.NotificationQuery{Site: "demo", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Items {
		if r.Kind == centre.NotifyConfirm {
			if err := a.Deliver(t.Context(), r.Notification); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestSES sends through Amazon SES v2 as moto_server implements it: the
// raw message (with its List-Unsubscribe headers) from the verified
// identity, in the configuration set; an unverified sender is refused,
// and the confirmation is sent once the sender is right again.
func TestSES(t *testing.T) {
	ep := dynamotest.Endpoint(t)
	client := sesv2.NewFromConfig(aws.Config{Region: "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}, func(o *sesv2.Options) {
		o.BaseEndpoint = aws.String(ep)
	})
	ctx := t.Context()
	if _, err := client.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("alerts@ses.example.org")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateConfigurationSet(ctx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String("alerts")}); err != nil {
		t.Fatal(err)
	}
	store := dynamotest.NewStore(t)
	links, _ := alerts.NewLinks([]byte("0123456789abcdef0123456789abcdef"))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := &alerts.Alerts{Store: store, Links: links, Mailer: &sesmail.Mailer{Client: client, ConfigurationSet: "alerts"},
		From: "Alerts <alerts@ses.example.org>", Base: func(s *centre.Site) string { return srv.URL + "/sites/" + s.Slug },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	a.Init()
	a.Register(mux, func(*http.Request) string { return "192.0.2.9" })
	if err := store.CreateSite(ctx, storetest.NewSite("demo")); err != nil {
		t.Fatal(err)
	}
	if err := a.Subscribe(ctx, alerts.SubscribeRequest{Site: "demo", Email: "reader@example.net", Scope: "site", Client: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := confirmations(t, a, store); err != nil {
		t.Fatal(err)
	}
	sent := sesSent(t, ep)
	if !strings.Contains(sent, "reader@example.net") || !strings.Contains(sent, "Confirm your subscription") {
		t.Fatalf("moto did not record the confirmation email: %s", cut(sent))
	}
	// Confirm, then an entry goes out with its unsubscribe headers.
	subs, _ := store.Subscriptions(ctx, "demo", "reader@example.net")
	if len(subs) != 1 || subs[0].State != centre.SubPending {
		t.Fatalf("subscriptions: %+v", subs)
	}
	tok := sesLink(t, sent, "/subscribe/confirm?t=")
	if _, err := a.Confirm(ctx, "demo", tok); err != nil {
		t.Fatal(err)
	}
	e := storetest.Publish(storetest.NewEntry("demo", "ses-entry", "en"), time.Now())
	if err := store.CreateEntry(ctx, e); err != nil {
		t.Fatal(err)
	}
	n := centre.Notification{ID: "n-ses", Site: "demo", Entry: e.ID, Slug: e.Slug, Lang: "en", Kind: centre.NotifyPublished, Due: time.Now()}
	if err := a.Deliver(ctx, n); err != nil {
		t.Fatal(err)
	}
	sent = sesSent(t, ep)
	if !strings.Contains(sent, "List-Unsubscribe-Post: List-Unsubscribe=One-Click") || !strings.Contains(sent, e.Title) {
		t.Fatalf("moto did not record the entry email with its headers: %s", cut(sent))
	}
	// An unverified sender is refused: the confirmation fails (the
	// notifier retries it) and the subscription waits; once the sender is
	// right again, the retry sends it.
	a.From = "nobody@unverified.example.org"
	if err := a.Subscribe(ctx, alerts.SubscribeRequest{Site: "demo", Email: "other@example.net", Scope: "site", Client: "y"}); err != nil {
		t.Fatal(err)
	}
	if err := confirmations(t, a, store); err == nil {
		t.Fatal("SES accepted an unverified sender")
	}
	if subs, _ := store.Subscriptions(ctx, "demo", "other@example.net"); len(subs) != 1 || subs[0].State != centre.SubPending {
		t.Fatalf("after a failed confirmation: %+v", subs)
	}
	a.From = "Alerts <alerts@ses.example.org>"
	if err := confirmations(t, a, store); err != nil {
		t.Fatal(err)
	}
	if sent := sesSent(t, ep); !strings.Contains(sent, "other@example.net") {
		t.Fatalf("the retried confirmation was not sent: %s", cut(sent))
	}
}

func cut(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

// sesSent returns the messages moto's SES backend holds (from its
// data.json dump), each as its headers and decoded text part.
func sesSent(t *testing.T, ep string) string {
	t.Helper()
	res, err := http.Get(ep + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var all map[string]any
	if err := json.NewDecoder(res.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case string:
			if !strings.Contains(x, "MIME-Version: 1.0") {
				return
			}
			m, err := mail.ReadMessage(strings.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range m.Header {
				fmt.Fprintf(&out, "%s: %s\n", k, strings.Join(v, ", "))
			}
			_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
			mr := multipart.NewReader(m.Body, params["boundary"])
			for {
				part, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(part)
				out.Write(b)
				out.WriteString("\n")
			}
		}
	}
	walk(all["ses"])
	walk(all["sesv2"])
	return out.String()
}

// sesLink returns the t parameter of the first link containing part.
func sesLink(t *testing.T, sent, part string) string {
	t.Helper()
	i := strings.Index(sent, part)
	if i < 0 {
		t.Fatalf("no %s link", part)
	}
	end := i + len(part)
	for end < len(sent) && strings.IndexByte(" \r\n\"<>\\", sent[end]) < 0 {
		end++
	}
	u, err := url.Parse("http://x" + sent[i:end])
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}
