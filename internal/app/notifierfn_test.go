package app_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/app"
	"infocentre/internal/boltstore"
	"infocentre/internal/centre"
	"infocentre/internal/notify"
)

// channel records the notifications it delivers.
type channel struct{ got []centre.Notification }

func (c *channel) Name() string { return "test" }
func (c *channel) Deliver(_ context.Context, n centre.Notification) error {
	c.got = append(c.got, n)
	return nil
}

// brokenClaims is a store whose claims fail, as when DynamoDB is down.
type brokenClaims struct{ centre.Store }

func (brokenClaims) ClaimNotification(context.Context, string, string, time.Time, time.Duration) (*centre.OutboxRecord, error) {
	return nil, centre.Errorf(centre.EUNAVAILABLE, "storage is busy; retry later")
}

// TestNotifierHandler: the notifier function delivers the outbox record a
// recorded stream event names (testdata/dynamodb-stream-outbox.json, the
// event `sam local invoke` also replays), answers a record it could not
// settle as a batch item failure, skips other records, and runs a tick on
// a schedule event.
func TestNotifierHandler(t *testing.T) {
	ctx := context.Background()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "n.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := &centre.Service{Store: store, Log: app.NewLogger(io.Discard, "error")}
	k, _, err := svc.Bootstrap(ctx, "owner")
	if err != nil {
		t.Fatal(err)
	}
	owner := centre.Principal{KeyID: k.ID, Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := svc.CreateSite(ctx, owner, centre.SiteInput{Slug: "demo", Title: "Demo", Publisher: "Test",
		Languages: []string{"en"}, Contact: centre.Contact{Email: "press@example.org"}}); err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Curfew lifted", "Schools reopen"} {
		if _, err := svc.CreateEntry(ctx, owner, "demo", centre.EntryInput{Status: centre.StatusPublished,
			Content: centre.Content{Type: centre.TypeNews, Title: title}}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := store.ListNotifications(ctx, centre.NotificationQuery{Site: "demo"})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("outbox: %v, %v", page.Items, err)
	}
	rec := page.Items[1]

	raw, err := os.ReadFile("../../testdata/dynamodb-stream-outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	ev := strings.NewReplacer("01kb0000000000000000000000", rec.ID).Replace(string(raw))
	var parsed events.DynamoDBEvent
	if err := json.Unmarshal([]byte(ev), &parsed); err != nil || len(parsed.Records) != 1 {
		t.Fatalf("the recorded event does not parse: %v", err)
	}
	// A second record that is no outbox INSERT, and a third whose claim
	// fails (below).
	other := parsed.Records[0]
	other.EventName = "MODIFY"
	parsed.Records = append(parsed.Records, other)
	batch, _ := json.Marshal(parsed)

	ch := &channel{}
	h := app.NotifierHandler(notify.New(notify.Config{Store: store, Channels: []notify.Channel{ch}}))
	out, err := h(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := out.(events.DynamoDBEventResponse)
	if !ok || len(res.BatchItemFailures) != 0 || len(ch.got) != 1 || ch.got[0].ID != rec.ID {
		t.Fatalf("stream batch: %#v, delivered %v; want %s delivered once, no failure", out, ch.got, rec.ID)
	}
	if r, err := store.GetNotification(ctx, "demo", rec.ID); err != nil || r.State != centre.OutboxDone {
		t.Fatalf("the record after the stream: %+v, %v", r, err)
	}

	broken := app.NotifierHandler(notify.New(notify.Config{Store: brokenClaims{store}, Channels: []notify.Channel{ch}}))
	out, err = broken(ctx, []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if res := out.(events.DynamoDBEventResponse); len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "111100000000012345678901" {
		t.Fatalf("a failed claim: %#v, want the record's sequence number as a batch item failure", res)
	}

	sched, err := os.ReadFile("../../testdata/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err = h(ctx, sched)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := out.(app.NotifierResult); !ok || r.Delivered != 1 || len(ch.got) != 2 {
		t.Fatalf("schedule: %#v, delivered %d; want the other record delivered", out, len(ch.got))
	}
}
