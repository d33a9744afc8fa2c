// Package sesmail sends email alerts through Amazon SES v2. It is apart
// from internal/alerts so that only the binaries that send email (the
// notifier function, the CLI's serve) link the SES client: the public
// function stores a confirmation email in the outbox and sends nothing.
package sesmail

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"infocentre/internal/alerts"
	"infocentre/internal/awsconfig"
)

// Mailer sends through Amazon SES v2 (SendEmail with the raw message, so
// that the List-Unsubscribe headers go out as built), in the configuration
// set whose events (bounces, complaints) come back through SNS.
type Mailer struct {
	Client           *sesv2.Client
	ConfigurationSet string // "" for none
}

// New returns a Mailer with the AWS configuration of the process
// (internal/awsconfig), reaching SES_ENDPOINT when it is set (moto_server
// in tests and sam local), sending in the configuration set configSet.
func New(ctx context.Context, configSet string) (alerts.Mailer, error) {
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{})
	if err != nil {
		return nil, fmt.Errorf("alerts: AWS configuration: %w", err)
	}
	client := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if ep := os.Getenv("SES_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	return &Mailer{Client: client, ConfigurationSet: configSet}, nil
}

// Send sends m.
func (s *Mailer) Send(ctx context.Context, m *alerts.Message) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.Sender()),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: m.Bytes()}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	if _, err := s.Client.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("alerts: ses send: %w", err)
	}
	return nil
}
