package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"infocentre/internal/centre"
)

// Bounces and complaints: Amazon SES publishes the events of the
// configuration set (SES_CONFIGURATION_SET) to an SNS topic, whose
// subscriber (the "bounces" function) passes them to HandleSESEvents. A
// permanent bounce or a complaint puts the address on the suppression
// list (kept apart from its subscriptions, which stay as they are):
// nothing more is sent to it, on any site. Transient bounces (a full
// mailbox) change nothing.

// sesEvent is the part of an SES event notification read here (both the
// configuration set's "eventType" and the identity's "notificationType"
// forms).
type sesEvent struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
}

// maxRecipients bounds the addresses read from one event.
const maxRecipients = 100

// SuppressFromSES reads one SES event notification (the SNS message) and
// suppresses the addresses it names as permanently bounced or
// complaining. It returns those addresses; EINVALID for a message that is
// not an SES event.
func SuppressFromSES(ctx context.Context, store centre.AlertStore, message string, now time.Time) ([]string, error) {
	var ev sesEvent
	if err := json.Unmarshal([]byte(message), &ev); err != nil {
		return nil, centre.Errorf(centre.EINVALID, "not an SES event notification: %v", err)
	}
	kind := ev.EventType
	if kind == "" {
		kind = ev.NotificationType
	}
	var emails []string
	var reason string
	switch {
	case kind == "Bounce" && ev.Bounce != nil && ev.Bounce.BounceType == "Permanent":
		reason = "bounce"
		for _, r := range ev.Bounce.BouncedRecipients {
			emails = append(emails, r.EmailAddress)
		}
	case kind == "Complaint" && ev.Complaint != nil:
		reason = "complaint"
		for _, r := range ev.Complaint.ComplainedRecipients {
			emails = append(emails, r.EmailAddress)
		}
	default:
		return nil, nil
	}
	var out []string
	for i, e := range emails {
		if i == maxRecipients {
			break
		}
		email, err := centre.ParseSubscriberEmail(e)
		if err != nil {
			continue
		}
		if err := store.SuppressEmail(ctx, email, reason, now); err != nil {
			return out, err
		}
		out = append(out, email)
	}
	return out, nil
}

// HandleSNS is the Lambda handler of the SNS topic of SES events: every
// record's message goes through SuppressFromSES. A record that cannot be
// stored fails the invocation (SNS retries it); one that is not an SES
// event is logged and skipped.
func (a *Alerts) HandleSNS(ctx context.Context, ev events.SNSEvent) error {
	for _, r := range ev.Records {
		done, err := SuppressFromSES(ctx, a.Store, r.SNS.Message, a.Now())
		if centre.IsCode(err, centre.EINVALID) {
			a.Log.Warn("bounces: skipped a message that is not an SES event", "message_id", r.SNS.MessageID)
			continue
		}
		if err != nil {
			return fmt.Errorf("bounces: %w", err)
		}
		if len(done) > 0 {
			a.Log.Info("bounces: addresses suppressed", "count", len(done), "message_id", r.SNS.MessageID)
		}
	}
	return nil
}
