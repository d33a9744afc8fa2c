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
	"time"
)

// SMTP sends through an SMTP server named by a URL:
// smtp://[user:password@]host[:port] (STARTTLS when the server offers it;
// port 25 by default, 587 usual), smtps://… (TLS from the start, port 465).
// It keeps up to MaxConns connections open and reuses them.
type SMTP struct {
	url *url.URL
	// Timeout bounds each message's conversation (default 30 s).
	Timeout time.Duration
	slots   chan struct{}     // one per connection in use (MaxConns)
	idle    chan *smtp.Client // open connections waiting for a message
}

// DefaultSMTPConns is how many connections an SMTP Mailer opens at most.
const DefaultSMTPConns = 4

// NewSMTP returns an SMTP Mailer for the URL raw.
func NewSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, errors.New("alerts: SMTP_URL must be smtp://[user:password@]host[:port] or smtps://…")
	}
	return &SMTP{url: u, Timeout: 30 * time.Second, slots: make(chan struct{}, DefaultSMTPConns),
		idle: make(chan *smtp.Client, DefaultSMTPConns)}, nil
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

// Send sends m on an open connection if one is idle (a broken one is
// replaced once), else on a new one, at most MaxConns at a time.
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	for attempt := 0; ; attempt++ {
		var c *smtp.Client
		reused := false
		select {
		case c = <-s.idle:
			reused = true
		default:
			var err error
			if c, err = s.dial(ctx); err != nil {
				return fmt.Errorf("alerts: smtp: %w", err)
			}
		}
		err := send(c, m)
		if err == nil {
			select {
			case s.idle <- c:
			default:
				_ = c.Quit()
			}
			return nil
		}
		c.Close()
		if !reused || attempt > 0 {
			return fmt.Errorf("alerts: smtp: %w", err)
		}
	}
}

func send(c *smtp.Client, m *Message) error {
	if err := c.Reset(); err != nil {
		return err
	}
	if err := c.Mail(m.Sender()); err != nil {
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

// Close ends the idle connections.
func (s *SMTP) Close() error {
	for {
		select {
		case c := <-s.idle:
			_ = c.Quit()
		default:
			return nil
		}
	}
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
