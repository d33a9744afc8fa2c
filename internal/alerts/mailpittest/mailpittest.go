// Package mailpittest runs mailpit — a real SMTP server with an HTTP API
// that shows what it received — for the email alert tests, the way
// dynamotest runs moto_server. The binary comes from the Go module proxy
// (.ci/setup-mailpit.sh installs it into .cache/bin, idempotently; Start
// runs that script when the binary is missing).
//
// Tests that need it skip under -short, and when it cannot be had they
// fail under CI=true and skip elsewhere.
package mailpittest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Server is one running mailpit.
type Server struct {
	SMTPURL string // smtp://127.0.0.1:port
	API     string // http://127.0.0.1:port
}

// root returns the module's root directory (where go.mod is).
func root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("mailpittest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Binary returns the path of the mailpit binary, installing it if needed.
func Binary() (string, error) {
	r, err := root()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(r, ".cache", "bin", "mailpit")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	out, err := exec.Command("bash", filepath.Join(r, ".ci", "setup-mailpit.sh")).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("mailpittest: install mailpit: %v\n%s", err, out)
	}
	return bin, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs a mailpit for the test (stopped at its end) keeping up to max
// messages (0: mailpit's default of 500), or skips the test (see the
// package documentation).
func Start(t testing.TB, max int) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("mailpittest: -short")
	}
	fail := func(err error) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	bin, err := Binary()
	if err != nil {
		fail(err)
	}
	smtpPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	httpPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--quiet", "--disable-version-check"}
	if max != 0 {
		args = append(args, "--max", fmt.Sprint(max))
	}
	cmd := exec.Command(bin, args...)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		fail(fmt.Errorf("mailpittest: start: %w", err))
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	s := &Server{SMTPURL: fmt.Sprintf("smtp://127.0.0.1:%d", smtpPort), API: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.API + "/api/v1/info")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpittest: mailpit did not start: %v\n%s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// Summary is a message as the list shows it.
type Summary struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Message is one received message.
type Message struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	Text    string `json:"Text"`
	HTML    string `json:"HTML"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
	// Headers are the raw headers (mailpit's /headers).
	Headers map[string][]string `json:"-"`
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(s.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Search returns the messages to address (newest first), up to 1000.
func (s *Server) Search(t testing.TB, to string) []Summary {
	t.Helper()
	var out struct {
		Messages []Summary `json:"messages"`
	}
	s.get(t, "/api/v1/search?limit=1000&query="+url.QueryEscape("to:"+to), &out)
	return out.Messages
}

// Total returns how many messages mailpit holds.
func (s *Server) Total(t testing.TB) int {
	t.Helper()
	var out struct {
		Total int `json:"total"`
	}
	s.get(t, "/api/v1/messages?limit=1", &out)
	return out.Total
}

// Get returns one message with its headers.
func (s *Server) Get(t testing.TB, id string) *Message {
	t.Helper()
	var m Message
	s.get(t, "/api/v1/message/"+id, &m)
	s.get(t, "/api/v1/message/"+id+"/headers", &m.Headers)
	return &m
}
