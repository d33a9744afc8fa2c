package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

var inviteLink = regexp.MustCompile(`^http://localhost:8080/admin/invite/[0-9a-z]{26}\.[A-Za-z0-9_-]{43}\n$`)

func TestPersonCommands(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCLI(t, "site", "create", "--data", data, "--slug", "flood", "--title", "Flood", "--publisher", "Flood Agency", "--email", "press@example.org"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, "person", "invite", "--data", data, "--site", "flood", "--email", "Ana@Example.org", "--role", "editor", "--organisation", "Member A")
	if err != nil {
		t.Fatal(err)
	}
	if !inviteLink.MatchString(out) {
		t.Fatalf("person invite printed %q, want the invitation link alone", out)
	}
	// --resend: a new link; the one printed before is revoked.
	again, _, err := runCLI(t, "person", "invite", "--data", data, "--site", "flood", "--email", "ANA@example.org", "--resend")
	if err != nil || !inviteLink.MatchString(again) || again == out {
		t.Fatalf("person invite --resend printed %q (first %q), %v", again, out, err)
	}
	if _, _, err := runCLI(t, "person", "invite", "--data", data, "--site", "flood", "--email", "nobody@example.org", "--resend"); err == nil ||
		!strings.Contains(err.Error(), "without --resend") {
		t.Fatalf("--resend for nobody: %v", err)
	}
	out, _, err = runCLI(t, "person", "invite", "--data", data, "--email", "boss@example.org", "--role", "owner", "--origin", "https://info.example.org")
	if err != nil || !strings.HasPrefix(out, "https://info.example.org/admin/invite/") {
		t.Fatalf("owner invitation: %q %v", out, err)
	}
	_, _, err = runCLI(t, "person", "invite", "--data", data, "--site", "flood", "--email", "ana@example.org", "--role", "viewer")
	if err == nil || !strings.Contains(err.Error(), "already has an account") {
		t.Fatalf("a second invitation for the same email: %v", err)
	}
	_, _, err = runCLI(t, "person", "invite", "--data", data, "--email", "x@example.org", "--role", "editor")
	var u usageError
	if !errorsAs(err, &u) {
		t.Fatalf("person invite without --site: %v", err)
	}
	out, _, err = runCLI(t, "person", "list", "--data", data, "--site", "flood")
	if err != nil || !strings.Contains(out, "ana@example.org") || !strings.Contains(out, "invited") || strings.Contains(out, "boss@") {
		t.Fatalf("person list: %q %v", out, err)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, _, err = runCLI(t, "person", "disable", "--data", data, "--site", "flood", id)
	if err != nil || !strings.Contains(out, "disabled ana@example.org") {
		t.Fatalf("person disable: %q %v", out, err)
	}
	out, _, _ = runCLI(t, "person", "list", "--data", data, "--site", "flood")
	if !strings.Contains(out, "disabled") {
		t.Fatalf("person list after disable: %q", out)
	}
	if _, _, err := runCLI(t, "person", "disable", "--data", data, "--site", "flood", id); err == nil {
		t.Fatal("disabling twice succeeded")
	}
}

// TestPersonCommandsThroughAPI: with --url and --key, person invite, list
// and disable act through a running server's staff API (an admin key of
// the site); the link is the server's console link, and it opens.
func TestPersonCommandsThroughAPI(t *testing.T) {
	data := t.TempDir()
	if _, _, err := runCLI(t, "site", "create", "--data", data, "--slug", "flood", "--title", "Flood", "--publisher", "Flood Agency", "--email", "press@example.org"); err != nil {
		t.Fatal(err)
	}
	key, _, err := runCLI(t, "key", "create", "--data", data, "--site", "flood", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	key = strings.TrimSpace(key)
	url, _ := startServer(t, data)
	// Keys of a member organisation, through the API too.
	if _, _, err := runCLI(t, "key", "create", "--url", url, "--key", key, "--site", "flood", "--role", "editor", "--name", "member-a", "--organisation", "Member A"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCLI(t, "key", "list", "--url", url, "--key", key, "--site", "flood"); err != nil ||
		!regexp.MustCompile(`member-a .* Member A\n`).MatchString(out) {
		t.Fatalf("key list does not show the organisation: %q %v", out, err)
	}
	out, _, err := runCLI(t, "person", "invite", "--url", url, "--key", key, "--site", "flood", "--email", "Ana@Example.org", "--role", "editor", "--organisation", "Member A")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://localhost:\d+/admin/invite/[0-9a-z]{26}\.[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("remote person invite printed %q, want the invitation link alone", out)
	}
	first := strings.TrimSpace(out)
	var body string
	// --resend through the API: a new link opens, the first no longer.
	out, _, err = runCLI(t, "person", "invite", "--url", url, "--key", key, "--site", "flood", "--email", "ana@example.org", "--resend")
	if err != nil || strings.TrimSpace(out) == first {
		t.Fatalf("remote person invite --resend: %q %v", out, err)
	}
	if s := getText(t, url+first[strings.Index(first, "/admin/"):], &body); s != 404 {
		t.Fatalf("the first link after --resend: %d", s)
	}
	link := strings.TrimSpace(out)
	if s := getText(t, url+link[strings.Index(link, "/admin/"):], &body); s != 200 || !strings.Contains(body, "Create a passkey") {
		t.Fatalf("invitation page: %d\n%s", s, body)
	}
	if _, _, err := runCLI(t, "person", "invite", "--url", url, "--key", key, "--site", "flood", "--email", "ana@example.org", "--role", "viewer"); err == nil ||
		!strings.Contains(err.Error(), "already has an account") || !strings.Contains(err.Error(), "409") {
		t.Fatalf("a second remote invitation for the same email: %v", err)
	}
	out, _, err = runCLI(t, "person", "list", "--url", url, "--key", key, "--site", "flood")
	if err != nil || !strings.Contains(out, "ana@example.org") || !strings.Contains(out, "Member A") || !strings.Contains(out, "invited") {
		t.Fatalf("remote person list: %q %v", out, err)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	var u usageError
	if _, _, err := runCLI(t, "person", "list", "--url", url, "--key", key); !errorsAs(err, &u) {
		t.Fatalf("remote person list of owners: %v", err)
	}
	out, _, err = runCLI(t, "person", "disable", "--url", url, "--key", key, "--site", "flood", id)
	if err != nil || !strings.Contains(out, "disabled ana@example.org") {
		t.Fatalf("remote person disable: %q %v", out, err)
	}
	out, _, _ = runCLI(t, "person", "list", "--url", url, "--key", key, "--site", "flood")
	if !strings.Contains(out, "disabled") {
		t.Fatalf("remote person list after disable: %q", out)
	}
	if s := getText(t, url+link[strings.Index(link, "/admin/"):], &body); s != 404 {
		t.Fatalf("the invitation of a disabled person still opens: %d", s)
	}
}

// TestServePrintsConsoleInvitation: the first start prints, besides the
// owner key, a one-time link to the console for the first owner, which
// the running server answers.
func TestServePrintsConsoleInvitation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--no-demo"}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	deadline := time.AfterFunc(20*time.Second, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	defer deadline.Stop()
	var link, url string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "console: "); ok {
			link = rest
		}
		if rest, ok := strings.CutPrefix(line, "infocentre serving on "); ok {
			url = strings.Fields(rest)[0]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if !regexp.MustCompile(`^http://localhost:\d+/admin/invite/[0-9a-z]{26}\.[A-Za-z0-9_-]{43}$`).MatchString(link) {
		t.Fatalf("console line %q", link)
	}
	path := link[strings.Index(link, "/admin/"):]
	var body string
	if s := getText(t, url+path, &body); s != 200 || !strings.Contains(body, "Create a passkey") || !strings.Contains(body, "owner") {
		t.Fatalf("invitation page: %d\n%s", s, body)
	}
}

func getText(t *testing.T, url string, body *string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	*body = string(b)
	return resp.StatusCode
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
