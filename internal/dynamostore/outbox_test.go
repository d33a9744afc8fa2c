package dynamostore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/storetest"
)

// TestOutboxRetention: a delivered outbox record carries the table's TTL
// (OutboxRetention after it settled), a dead one none, and neither stays
// in the due list; a pending one is in the due list.
func TestOutboxRetention(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	settled := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var recs []*centre.OutboxRecord
	for _, slug := range []string{"done", "dead"} {
		en := storetest.Publish(storetest.NewEntry("kept", slug, "en"), settled)
		n := &centre.Notification{ID: centre.NotificationID("kept", en.ID, 1, centre.NotifyPublished, settled), Site: "kept", Entry: en.ID,
			Slug: slug, Lang: "en", Kind: centre.NotifyPublished, Version: 1, Due: settled, Created: settled}
		en.Announce(n)
		must(t, e.store.CreateEntry(ctx, en))
		r, err := e.store.ClaimNotification(ctx, "kept", n.ID, settled, time.Minute)
		must(t, err)
		recs = append(recs, r)
	}
	items := e.rawItems(t)
	for _, r := range recs {
		if it := items["OUTBOX#kept | "+r.ID]; it == nil || it["GSI2PK"] == nil {
			t.Fatalf("a pending record outside the due list: %v", it)
		}
	}
	recs[0].State, recs[0].Updated = centre.OutboxDone, settled
	recs[1].State, recs[1].Attempts, recs[1].LastError, recs[1].Updated = centre.OutboxDead, 8, "webhook: 500", settled
	for _, r := range recs {
		must(t, e.store.SettleNotification(ctx, r))
	}
	items = e.rawItems(t)
	done, dead := items["OUTBOX#kept | "+recs[0].ID], items["OUTBOX#kept | "+recs[1].ID]
	want := &types.AttributeValueMemberN{Value: fmt.Sprint(settled.Add(dynamostore.OutboxRetention).Unix())}
	if !reflect.DeepEqual(done["ttl"], want) || done["GSI2PK"] != nil {
		t.Fatalf("a done record: ttl %#v (want %#v), due list %v", done["ttl"], want, done["GSI2PK"])
	}
	if dead["ttl"] != nil || dead["GSI2PK"] != nil {
		t.Fatalf("a dead record: ttl %#v, due list %v; want neither", dead["ttl"], dead["GSI2PK"])
	}
}
