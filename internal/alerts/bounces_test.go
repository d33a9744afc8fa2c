package alerts_test

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/alerts"
	"infocentre/internal/storetest"
)

// TestBounces: SES events through SNS suppress permanently bounced and
// complaining addresses (never transient bounces), on both stores.
func TestBounces(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			a := &alerts.Alerts{Store: store}
			a.Init()
			msg := func(m string) events.SNSEventRecord {
				return events.SNSEventRecord{SNS: events.SNSEntity{MessageID: "m", Message: m}}
			}
			err := a.HandleSNS(t.Context(), events.SNSEvent{Records: []events.SNSEventRecord{
				msg(`{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"Gone@Example.org"}]},"mail":{}}`),
				msg(`{"eventType":"Bounce","bounce":{"bounceType":"Transient","bouncedRecipients":[{"emailAddress":"full@example.org"}]}}`),
				msg(`{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"angry@example.org"}]}}`),
				msg(`{"eventType":"Delivery","delivery":{}}`),
				msg(`not json`),
			}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.Suppressed(t.Context(), []string{"gone@example.org", "full@example.org", "angry@example.org"})
			if err != nil {
				t.Fatal(err)
			}
			if !got["gone@example.org"] || !got["angry@example.org"] || got["full@example.org"] || len(got) != 2 {
				t.Fatalf("suppressed: %v", got)
			}
			_ = storetest.Base
		})
	}
}
