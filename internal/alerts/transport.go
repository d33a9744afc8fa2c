package alerts

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SES sends through Amazon SES v2 (SendEmail with the raw message, so
// that the List-Unsubscribe headers go out as built), in the configuration
// set whose events (bounces, complaints) come back through SNS.
type SES struct {
	Client           *sesv2.Client
	ConfigurationSet string // "" for none
}

// Send sends m.
func (s *SES) Send(ctx context.Context, m *Message) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(address(m.From)),
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

// SMTP sends through an SMTP server named by a URL:
// smtp://[user:password@]host[:port] (STARTTLS when the server offers it;
// port 25 by default, 587 usual), smtps://… (TLS from the start, port 465).
// It keeps one connection open and reuses it for the next message.
type SMTP struct {
	url  *url.URL
	mu   sync.Mutex
	conn *smtp.Client
	// Timeout bounds each message's conversation (default 30 s).
	Timeout time.Duration
}

// NewSMTP returns an SMTP Mailer for the URL raw.
func NewSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("alerts: SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…")
	}
	return &SMTP{url: u, Timeout: 30 * time.Second}, nil
}

func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	host, port := s.url.Hostname(), s.url.Port()
	if port == "" {
		port = map[string]string{"smtp": "25", "smtps": "465"}[s.url.Scheme]
	}
	d := net.Dialer{Timeout: s.Timeout}
	var conn net.Conn
	var err error
	if s.url.Scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	} else {
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	}
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(s.Timeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if s.url.Scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				c.Close()
				return nil, err
			}
		}
	}
	if u := s.url.User; u != nil {
		pw, _ := u.Password()
		if err := c.Auth(smtp.PlainAuth("", u.Username(), pw, host)); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Send sends m, on the open connection if there is one (a broken one is
// replaced once).
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for attempt := 0; ; attempt++ {
		reused := s.conn != nil
		if s.conn == nil {
			c, err := s.dial(ctx)
			if err != nil {
				return fmt.Errorf("alerts: smtp: %w", err)
			}
			s.conn = c
		}
		err := s.send(m)
		if err == nil {
			return nil
		}
		s.conn.Close()
		s.conn = nil
		if !reused || attempt > 0 {
			return fmt.Errorf("alerts: smtp: %w", err)
		}
	}
}

func (s *SMTP) send(m *Message) error {
	c := s.conn
	if err := c.Reset(); err != nil {
		return err
	}
	if err := c.Mail(address(m.From)); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.Bytes()); err != nil {
		return err
	}
	return w.Close()
}

// Close ends the open connection, if any.
func (s *SMTP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Quit()
	s.conn = nil
	return err
}

// Dir "sends" by writing each message as an .eml file in a directory (the
// outbox of `infocentre serve` with no mail server configured) and logging
// it.
type Dir struct {
	Path string
	Log  *slog.Logger
}

// Send writes m to Path/<time>-<hash of the recipient>-<random>.eml.
func (d *Dir) Send(_ context.Context, m *Message) error {
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	// The name does not hold the address (the log line names the file).
	sum := sha256.Sum256([]byte(strings.ToLower(m.To)))
	safe := hex.EncodeToString(sum[:6])
	f, err := os.CreateTemp(d.Path, time.Now().UTC().Format("20060102T150405.000")+"-"+safe+"-*.eml")
	if err != nil {
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	if _, err := f.Write(m.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("alerts: outbox: %w", err)
	}
	if d.Log != nil {
		d.Log.Info("email written to the outbox", "file", filepath.Base(f.Name()), "subject", m.Subject)
	}
	return nil
}
