package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"infocentre/internal/app"
	"infocentre/internal/centre"
)

// entryScenario runs the entry commands on site flood of the target that
// target (flags) names, checks each step, and returns the transcript of
// what they printed, with ids and times replaced by placeholders, so that
// two targets can be compared.
func entryScenario(t *testing.T, target ...string) string {
	t.Helper()
	dir := t.TempDir()
	var transcript strings.Builder
	cli := func(args ...string) (string, error) {
		t.Helper()
		args = append(args[:2:2], append(append([]string{"--site", "flood"}, target...), args[2:]...)...)
		out, _, err := runCLI(t, args...)
		out = strings.ReplaceAll(out, dir, "DIR")
		transcript.WriteString("$ " + strings.Join(args[:2], " ") + "\n" + out)
		if err != nil {
			transcript.WriteString("error: " + strings.ReplaceAll(err.Error(), dir, "DIR") + "\n")
		}
		return out, err
	}
	ok := func(args ...string) string {
		t.Helper()
		out, err := cli(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	file := filepath.Join(dir, "statement.md")
	example, err := os.ReadFile("../../testdata/entry/statement.md")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, example, 0o600)

	// Create from the README's example file; the id and version go back into it.
	out := ok("entry", "push", file)
	m := regexp.MustCompile(`^created entry (\S+) en/cancer-care-heatwave \(draft, version 1\)\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("push: %q", out)
	}
	id := m[1]
	written, _ := os.ReadFile(file)
	if !strings.HasPrefix(string(written), "---\nid: "+id+"\nversion: 1\n# An entry file") || !strings.HasSuffix(string(written), string(example[strings.Index(string(example), "# An entry file"):])) {
		t.Fatalf("write-back changed more than id and version:\n%s", written)
	}
	// Pushing it again changes nothing.
	if out := ok("entry", "push", file); !strings.Contains(out, "is unchanged (draft, version 1)") {
		t.Fatalf("second push: %q", out)
	}

	// show --format md → push is a no-op, and show shows the same again.
	shown := ok("entry", "show", id)
	round := filepath.Join(dir, "round.md")
	os.WriteFile(round, []byte(shown), 0o600)
	if out := ok("entry", "push", round); !strings.Contains(out, "entry "+id+" en/cancer-care-heatwave is unchanged (draft, version 1)") {
		t.Fatalf("push of show's output: %q", out)
	}
	if again := ok("entry", "show", "cancer-care-heatwave"); again != shown {
		t.Fatalf("show by slug after the round trip:\n%s\nwant\n%s", again, shown)
	}
	var e centre.Entry
	if err := json.Unmarshal([]byte(ok("entry", "show", "--format", "json", id)), &e); err != nil {
		t.Fatal(err)
	}
	if e.Title != "Hospitals keep cancer care going during the heatwave" || len(e.Attachments) != 1 || e.Attachments[0].Size != 245760 ||
		!strings.Contains(e.BodyHTML, "<strong>continuity plans</strong>") || len(e.Tags) != 2 || e.Organisations[0] != "European Oncology Association" {
		t.Fatalf("entry as pushed: %+v", e)
	}

	// list, filtered, as a table and as JSON.
	list := ok("entry", "list")
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "ID ") ||
		!regexp.MustCompile(`^`+id+`\s+draft\s+statement\s+en\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+cancer-care-heatwave\s+Hospitals keep`).MatchString(lines[1]) {
		t.Fatalf("entry list:\n%s", list)
	}
	if list := ok("entry", "list", "--status", "published"); strings.Count(list, "\n") != 1 {
		t.Fatalf("no published entries yet:\n%s", list)
	}
	if list := ok("entry", "list", "--tag", "heatwave", "--lang", "en", "--type", "statement"); !strings.Contains(list, id) {
		t.Fatalf("filters:\n%s", list)
	}
	var items []centre.Entry
	if err := json.Unmarshal([]byte(ok("entry", "list", "--json")), &items); err != nil || len(items) != 1 || items[0].ID != id {
		t.Fatalf("list --json: %v %+v", err, items)
	}
	if _, err := cli("entry", "list", "--status", "lost"); err == nil || !strings.Contains(err.Error(), "status") {
		t.Fatalf("bad --status: %v", err)
	}

	// Publish; a change to a public entry must say its kind.
	if out := ok("entry", "publish", id); !strings.Contains(out, "published entry "+id+" en/cancer-care-heatwave (version 2)") {
		t.Fatalf("publish: %q", out)
	}
	edit := func(path, from, to string) {
		t.Helper()
		b, _ := os.ReadFile(path)
		if !strings.Contains(string(b), from) {
			t.Fatalf("%s has no %q", path, from)
		}
		os.WriteFile(path, []byte(strings.Replace(string(b), from, to, 1)), 0o600)
	}
	public := filepath.Join(dir, "public.md")
	os.WriteFile(public, []byte(ok("entry", "show", id)), 0o600)
	edit(public, "title: Hospitals keep", "title: All hospitals keep")
	if _, err := cli("entry", "push", public); err == nil || !strings.Contains(err.Error(), "change: say whether") {
		t.Fatalf("a change to a public entry without its kind: %v", err)
	}
	edit(public, "alert: false\n", "alert: false\nchange: major\nchange_note: Every hospital has a plan now.\n")
	if out := ok("entry", "push", public); !strings.Contains(out, "(published, version 3): title") {
		t.Fatalf("major change: %q", out)
	}

	// Two people read version 3; the second push would lose the first's
	// change, and is refused with nothing written.
	a, b := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md")
	shown = ok("entry", "show", id)
	os.WriteFile(a, []byte(shown), 0o600)
	os.WriteFile(b, []byte(shown), 0o600)
	edit(a, "alert: false\n", "alert: false\nchange: minor\n")
	edit(a, "summary: Our members", "summary: All our members")
	edit(b, "alert: false\n", "alert: false\nchange: minor\n")
	edit(b, "- Treatment rooms", "- All treatment rooms")
	if out := ok("entry", "push", a); !strings.Contains(out, "(published, version 4): summary") {
		t.Fatalf("first push: %q", out)
	}
	_, err = cli("entry", "push", b)
	if err == nil || !strings.Contains(err.Error(), "changed since b.md was read: the file is at version 3, the entry at version 4") ||
		!strings.Contains(err.Error(), "Nothing was written") {
		t.Fatalf("concurrent change: %v", err)
	}
	if err := json.Unmarshal([]byte(ok("entry", "show", "--format", "json", id)), &e); err != nil || e.Version != 4 || strings.Contains(e.Body, "All treatment rooms") {
		t.Fatalf("after the refused push: version %d, body %q", e.Version, e.Body)
	}

	// Every unknown key is named with its line; nothing is sent.
	bad := filepath.Join(dir, "bad.md")
	os.WriteFile(bad, []byte("---\ntype: news\ntitel: Typo\ntags: heatwave\nsubtitle: x\n---\nBody\n"), 0o600)
	_, err = cli("entry", "push", bad)
	if err == nil || !strings.Contains(err.Error(), `bad.md:3: unknown front-matter key "titel"`) ||
		!strings.Contains(err.Error(), `bad.md:5: unknown front-matter key "subtitle"`) || !strings.Contains(err.Error(), "bad.md:4: tags must be a list") {
		t.Fatalf("unknown keys: %v", err)
	}
	// The service's own checks come back per field.
	os.WriteFile(bad, []byte("---\ntype: memo\ntitle: \"\"\n---\n"), 0o600)
	if _, err = cli("entry", "push", bad); err == nil || !strings.Contains(err.Error(), "type: must be one of") || !strings.Contains(err.Error(), "title:") {
		t.Fatalf("invalid fields: %v", err)
	}
	// A file past the API's body limit is refused before it is sent.
	os.WriteFile(bad, []byte("---\ntype: news\ntitle: Big\n---\n"+strings.Repeat("x", maxEntryFile)), 0o600)
	if _, err = cli("entry", "push", bad); err == nil || !strings.Contains(err.Error(), "larger than 262144 bytes") {
		t.Fatalf("large file: %v", err)
	}

	// A replacement, published by slug; the first withdrawn in its favour.
	repl := filepath.Join(dir, "repl.md")
	os.WriteFile(repl, []byte("---\ntype: statement\ntitle: Cancer care after the heatwave\nslug: cancer-care-after\n---\nUpdated guidance.\n"), 0o600)
	ok("entry", "push", repl)
	if out := ok("entry", "publish", "cancer-care-after"); !strings.HasPrefix(out, "published entry ") {
		t.Fatalf("publish by slug: %q", out)
	}
	if _, err := cli("entry", "withdraw", id); err == nil || !errors.As(err, new(usageError)) {
		t.Fatalf("withdraw without --reason: %v", err)
	}
	if out := ok("entry", "withdraw", "--reason", "Replaced by new guidance.", "--superseded-by", "cancer-care-after", id); !strings.Contains(out, "withdrew entry "+id) {
		t.Fatalf("withdraw: %q", out)
	}
	if _, err := cli("entry", "publish", id); err == nil || !strings.Contains(err.Error(), "withdrawn") {
		t.Fatalf("publish a withdrawn entry: %v", err)
	}
	if _, err := cli("entry", "show", "no-such-entry"); err == nil || !strings.Contains(err.Error(), `no entry "no-such-entry"`) {
		t.Fatalf("show an unknown slug: %v", err)
	}
	return normalizeTranscript(transcript.String())
}

var (
	idRE   = regexp.MustCompile(`\b[0-9a-hjkmnp-tv-z]{26}\b`)
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?Z)?`)
	httpRE = regexp.MustCompile(` \(HTTP \d{3}\)`)
	keyRE  = regexp.MustCompile(`by (key|person) \S+ at`)
	// who: the operator locally, the key through the API.
	actorRE = regexp.MustCompile(`"(created_by|edited_by|key_id|role)": "[^"]*"`)
)

// normalizeTranscript replaces what differs between two runs (ids, times,
// the HTTP status an API error names, who made a change: the operator
// locally, a key through the API).
func normalizeTranscript(s string) string {
	s = idRE.ReplaceAllString(s, "ID")
	s = timeRE.ReplaceAllString(s, "TIME")
	s = keyRE.ReplaceAllString(s, "by KEY at")
	s = actorRE.ReplaceAllString(s, `"$1": "ACTOR"`)
	return httpRE.ReplaceAllString(s, "")
}

// newFloodSite creates site flood in the data directory.
func newFloodSite(t *testing.T, store ...string) {
	t.Helper()
	args := append([]string{"site", "create", "--slug", "flood", "--title", "Flood", "--publisher", "Agency",
		"--email", "press@example.org", "--lang", "en,fr"}, store...)
	if _, _, err := runCLI(t, args...); err != nil {
		t.Fatal(err)
	}
}

// TestEntryCommands runs the entry commands on the local data directory
// and through the staff API of the real handler, and checks that both
// print the same.
func TestEntryCommands(t *testing.T) {
	data := t.TempDir()
	newFloodSite(t, "--data", data)
	local := entryScenario(t, "--data", data)

	// The same through the API: a server (the real handler) on another store.
	other := t.TempDir()
	newFloodSite(t, "--data", other)
	cfg := app.ConfigFromEnv()
	cfg.DataDir = other
	store, err := app.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, store, app.NewLogger(io.Discard, "error"))
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	_, key, err := a.Service.CreateKey(t.Context(), operator, "flood", centre.KeyInput{Role: centre.RolePublisher, Name: "press office"})
	if err != nil {
		t.Fatal(err)
	}
	remote := entryScenario(t, "--url", srv.URL, "--key", key)
	if local != remote {
		t.Fatalf("the entry commands print differently through the API:\nlocal:\n%s\nremote:\n%s", local, remote)
	}

	// A viewer key may read but not write, and is told so.
	_, viewer, err := a.Service.CreateKey(t.Context(), operator, "flood", centre.KeyInput{Role: centre.RoleViewer, Name: "reader"})
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCLI(t, "entry", "list", "--site", "flood", "--url", srv.URL, "--key", viewer); err != nil || strings.Count(out, "\n") != 3 {
		t.Fatalf("viewer list: %q %v", out, err)
	}
	note := filepath.Join(t.TempDir(), "note.md")
	os.WriteFile(note, []byte("---\ntype: news\ntitle: A viewer's note\n---\n"), 0o600)
	if _, _, err := runCLI(t, "entry", "push", "--site", "flood", "--url", srv.URL, "--key", viewer, note); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("viewer push: %v", err)
	}
	if _, _, err := runCLI(t, "entry", "list", "--url", srv.URL, "--key", viewer); err == nil || !errors.As(err, new(usageError)) {
		t.Fatalf("entry list without --site: %v", err)
	}
}
