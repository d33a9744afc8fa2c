package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"

	"infocentre/internal/centre"
)

// An entry file is Markdown with YAML front matter, the format `entry
// push` reads and `entry show --format md` writes:
//
//	---
//	id: 01KB…            written back by show and push; identifies the entry
//	version: 3           the version the file was read at (If-Match)
//	type: statement
//	title: We support the vaccination campaign
//	summary: Our members stand ready.
//	slug: vaccination-campaign
//	lang: en
//	tags: [vaccination]
//	organisations: [European Association]
//	publish_at: 2026-12-01T09:00:00Z
//	expires_at: 2027-01-01T00:00:00Z
//	pinned: false
//	alert: false
//	attachments:
//	  - title: Position paper
//	    url: https://example.org/paper.pdf
//	    media_type: application/pdf
//	    size: 120000
//	    lang: en
//	change: major        a change to a public entry: major (with change_note) or minor
//	change_note: Figures for December added.
//	---
//	The body, in Markdown.
//
// A key left out keeps the entry's value (a new entry gets the default);
// an empty value (`tags: []`, `publish_at:`) clears it. Unknown keys are
// errors naming the key and its line.

// maxEntryFile bounds an entry file: the staff API's default body limit,
// which an entry's JSON must fit in anyway.
const maxEntryFile = 256 << 10

// frontKeys are the keys of the front matter, in the order show writes them.
var frontKeys = []string{"id", "version", "type", "title", "summary", "slug", "lang", "tags", "organisations",
	"publish_at", "expires_at", "pinned", "alert", "attachments", "image", "change", "change_note"}

var attachmentKeys = []string{"title", "url", "media_type", "size", "lang", "file_id", "pages"}

// imageKeys are the keys of the lead image: the rest is filled in from the file.
var imageKeys = []string{"file_id", "alt"}

// entryFile is a parsed entry file. Nil fields were left out.
type entryFile struct {
	ID, Type, Title, Summary, Slug, Lang, Change, ChangeNote *string
	Version                                                  *int64
	Tags, Organisations                                      *[]string
	PublishAt, ExpiresAt                                     *time.Time // zero: cleared
	Pinned, Alert                                            *bool
	Attachments                                              *[]centre.Attachment
	Image                                                    *centre.Image // {}: none
	Body                                                     string

	// lines holds the file's lines; idLine and versionLine are the
	// 0-based lines of the id and version keys (-1: absent), and
	// frontEnd the line of the closing "---".
	lines                         []string
	idLine, versionLine, frontEnd int
}

// fileErrors collects the problems of an entry file, each as
// "name:line: message".
type fileErrors struct {
	name string
	errs []string
}

func (f *fileErrors) add(line int, format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf("%s:%d: %s", f.name, line, fmt.Sprintf(format, args...)))
}

func (f *fileErrors) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(f.errs, "\n"))
}

// readEntryFile reads and parses the entry file at path, at most
// maxEntryFile bytes. It names every problem with its line.
func readEntryFile(path string) (*entryFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEntryFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxEntryFile {
		return nil, fmt.Errorf("%s is larger than %d bytes, the limit of an entry file", path, maxEntryFile)
	}
	return parseEntryFile(filepath.Base(path), b)
}

// parseEntryFile parses the bytes of an entry file called name.
func parseEntryFile(name string, b []byte) (*entryFile, error) {
	fe := &fileErrors{name: name}
	text := strings.ReplaceAll(strings.TrimPrefix(string(b), "\ufeff"), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		fe.add(1, "an entry file starts with a line \"---\", then YAML front matter (type, title …), a line \"---\" and the Markdown body")
		return nil, fe.err()
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		fe.add(len(lines), "the front matter has no closing line \"---\"")
		return nil, fe.err()
	}
	ef := &entryFile{lines: lines, idLine: -1, versionLine: -1, frontEnd: end}
	ef.Body = normalizeBody(strings.Join(lines[end+1:], "\n"))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end], "\n")), &doc); err != nil {
		line, msg := yamlErrorLine(err.Error())
		fe.add(line+1, "front matter: %s", msg) // the front matter starts on the file's second line
		return nil, fe.err()
	}
	if len(doc.Content) == 0 {
		return ef, nil // empty front matter
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		fe.add(m.Line+1, "the front matter must be keys and values (key: value), one a line")
		return nil, fe.err()
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		line := k.Line + 1 // the front matter starts on the file's second line
		key := k.Value
		if first, dup := seen[key]; dup {
			fe.add(line, "key %q is given twice (first on line %d)", key, first)
			continue
		}
		seen[key] = line
		if !slices.Contains(frontKeys, key) {
			fe.add(line, "unknown front-matter key %q (known keys: %s)", key, strings.Join(frontKeys, ", "))
			continue
		}
		ef.set(fe, key, v, line)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return ef, nil
}

// set decodes the value of key into ef.
func (ef *entryFile) set(fe *fileErrors, key string, v *yaml.Node, line int) {
	str := func() *string {
		if v.Kind != yaml.ScalarNode {
			fe.add(line, "%s must be text", key)
			return nil
		}
		s := ""
		if v.Tag != "!!null" {
			s = v.Value
		}
		return &s
	}
	list := func() *[]string {
		out := []string{}
		if v.Tag == "!!null" {
			return &out
		}
		if v.Kind != yaml.SequenceNode {
			fe.add(line, "%s must be a list, like [a, b]", key)
			return nil
		}
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
				fe.add(it.Line+1, "each of %s must be text", key)
				return nil
			}
			out = append(out, it.Value)
		}
		return &out
	}
	when := func() *time.Time {
		s := str()
		if s == nil {
			return nil
		}
		t := time.Time{}
		if *s != "" {
			var err error
			if t, err = time.Parse(time.RFC3339Nano, *s); err != nil {
				fe.add(line, "%s must be a time like 2026-12-01T09:00:00+01:00 (RFC 3339), or empty", key)
				return nil
			}
		}
		return &t
	}
	boolean := func() *bool {
		var b bool
		if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
			fe.add(line, "%s must be true or false", key)
			return nil
		}
		return &b
	}
	switch key {
	case "id":
		if ef.ID = str(); ef.ID != nil {
			ef.idLine = line - 1
			if v.Line != k0(line) {
				fe.add(line, "id must be on the line of its key")
			}
		}
	case "version":
		var n int64
		if v.Kind != yaml.ScalarNode || v.Decode(&n) != nil || n < 1 {
			fe.add(line, "version must be a whole number from 1, as written by entry show")
			return
		}
		ef.Version, ef.versionLine = &n, line-1
		if v.Line != k0(line) {
			fe.add(line, "version must be on the line of its key")
		}
	case "type":
		ef.Type = str()
	case "title":
		ef.Title = str()
	case "summary":
		ef.Summary = str()
	case "slug":
		ef.Slug = str()
	case "lang":
		ef.Lang = str()
	case "change":
		ef.Change = str()
	case "change_note":
		ef.ChangeNote = str()
	case "tags":
		ef.Tags = list()
	case "organisations":
		ef.Organisations = list()
	case "publish_at":
		ef.PublishAt = when()
	case "expires_at":
		ef.ExpiresAt = when()
	case "pinned":
		ef.Pinned = boolean()
	case "alert":
		ef.Alert = boolean()
	case "attachments":
		ef.Attachments = attachments(fe, v, line)
	case "image":
		ef.Image = image(fe, v, line)
	}
}

// k0 is the front matter's own line number of the file's line.
func k0(fileLine int) int { return fileLine - 1 }

// image decodes the lead image (file_id and alt; null removes it),
// naming unknown keys.
func image(fe *fileErrors, v *yaml.Node, line int) *centre.Image {
	if v.Tag == "!!null" {
		return &centre.Image{}
	}
	if v.Kind != yaml.MappingNode {
		fe.add(line, "image must have the keys file_id and alt")
		return nil
	}
	var im centre.Image
	ok := true
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		l := k.Line + 1
		if !slices.Contains(imageKeys, k.Value) {
			fe.add(l, "unknown image key %q (known keys: %s; the rest comes from the file)", k.Value, strings.Join(imageKeys, ", "))
			ok = false
			continue
		}
		if val.Kind != yaml.ScalarNode {
			fe.add(l, "image %s must be a single value", k.Value)
			ok = false
			continue
		}
		if k.Value == "file_id" {
			im.FileID = val.Value
		} else {
			im.Alt = val.Value
		}
	}
	if !ok {
		return nil
	}
	return &im
}

// attachments decodes the attachments list, naming unknown keys.
func attachments(fe *fileErrors, v *yaml.Node, line int) *[]centre.Attachment {
	out := []centre.Attachment{}
	if v.Tag == "!!null" {
		return &out
	}
	if v.Kind != yaml.SequenceNode {
		fe.add(line, "attachments must be a list of items with title, url, media_type, size and lang")
		return nil
	}
	ok := true
	for _, it := range v.Content {
		if it.Kind != yaml.MappingNode {
			fe.add(it.Line+1, "each attachment must have keys (title, url, media_type, size, lang)")
			ok = false
			continue
		}
		var a centre.Attachment
		for i := 0; i+1 < len(it.Content); i += 2 {
			k, val := it.Content[i], it.Content[i+1]
			l := k.Line + 1
			if !slices.Contains(attachmentKeys, k.Value) {
				fe.add(l, "unknown attachment key %q (known keys: %s)", k.Value, strings.Join(attachmentKeys, ", "))
				ok = false
				continue
			}
			if val.Kind != yaml.ScalarNode {
				fe.add(l, "attachment %s must be a single value", k.Value)
				ok = false
				continue
			}
			switch k.Value {
			case "title":
				a.Title = val.Value
			case "url":
				a.URL = val.Value
			case "media_type":
				a.MediaType = val.Value
			case "lang":
				a.Lang = val.Value
			case "file_id":
				a.FileID = val.Value
			case "pages":
				if n, err := strconv.Atoi(val.Value); err != nil || n < 0 {
					fe.add(l, "attachment pages must be a whole number")
					ok = false
				} else {
					a.Pages = n
				}
			case "size":
				if n, err := strconv.ParseInt(val.Value, 10, 64); err != nil {
					fe.add(l, "attachment size must be a whole number of bytes")
					ok = false
				} else {
					a.Size = n
				}
			}
		}
		out = append(out, a)
	}
	if !ok {
		return nil
	}
	return &out
}

// yamlErrorLine splits a YAML error ("yaml: line 3: …") into the line of
// the YAML text it names (0 if none) and its message.
func yamlErrorLine(msg string) (int, string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, tail, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return 0, msg
	}
	return n, strings.TrimSpace(tail)
}

// normalizeBody is the body as compared and sent: without the blank lines
// that separate it from the front matter or end the file.
func normalizeBody(s string) string {
	return strings.Trim(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// showFile is the front matter as show writes it.
type showFile struct {
	ID            string           `yaml:"id"`
	Version       int64            `yaml:"version"`
	Type          string           `yaml:"type"`
	Title         string           `yaml:"title"`
	Summary       string           `yaml:"summary"`
	Slug          string           `yaml:"slug"`
	Lang          string           `yaml:"lang"`
	Tags          []string         `yaml:"tags,flow"`
	Organisations []string         `yaml:"organisations,flow"`
	PublishAt     string           `yaml:"publish_at"`
	ExpiresAt     string           `yaml:"expires_at"`
	Pinned        bool             `yaml:"pinned"`
	Alert         bool             `yaml:"alert"`
	Attachments   []showAttachment `yaml:"attachments"`
	Image         *showImage       `yaml:"image,omitempty"`
}

type showImage struct {
	FileID string `yaml:"file_id"`
	Alt    string `yaml:"alt"`
}

type showAttachment struct {
	Title     string `yaml:"title"`
	URL       string `yaml:"url"`
	MediaType string `yaml:"media_type"`
	Size      int64  `yaml:"size"`
	Lang      string `yaml:"lang,omitempty"`
	FileID    string `yaml:"file_id,omitempty"`
	Pages     int    `yaml:"pages,omitempty"`
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// formatEntryFile writes e in the format readEntryFile reads: pushing it
// back unchanged changes nothing. A comment says the entry's state, which
// the file does not set.
func formatEntryFile(e *centre.Entry) ([]byte, error) {
	sf := showFile{ID: e.ID, Version: e.Version, Type: e.Type, Title: e.Title, Summary: e.Summary, Slug: e.Slug, Lang: e.Lang,
		Tags: orEmpty(e.Tags), Organisations: orEmpty(e.Organisations), PublishAt: timeText(e.PublishAt), ExpiresAt: timeText(e.ExpiresAt),
		Pinned: e.Pinned, Alert: e.Alert, Attachments: []showAttachment{}}
	for _, a := range e.Attachments {
		sf.Attachments = append(sf.Attachments, showAttachment(a))
	}
	if e.Image.FileID != "" {
		sf.Image = &showImage{FileID: e.Image.FileID, Alt: e.Image.Alt}
	}
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(sf); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	fmt.Fprintf(&b, "# %s entry of site %s, %s", e.Type, e.Site, e.Status)
	if e.Status == centre.StatusScheduled {
		fmt.Fprintf(&b, " for %s", timeText(e.PublishAt))
	}
	if !e.LastChange.At.IsZero() {
		fmt.Fprintf(&b, "; last changed %s", timeText(e.LastChange.At))
	}
	b.WriteString(".\n")
	if e.Public() {
		b.WriteString("# To change it, add change: minor, or change: major with a public change_note.\n")
	}
	for _, l := range strings.SplitAfter(y.String(), "\n") {
		// An empty time reads better as no value at all.
		if l == "publish_at: \"\"\n" || l == "expires_at: \"\"\n" {
			l = strings.TrimSuffix(l, " \"\"\n") + "\n"
		}
		b.WriteString(l)
	}
	b.WriteString("---\n")
	if e.Body != "" {
		b.WriteString("\n" + normalizeBody(e.Body) + "\n")
	}
	return b.Bytes(), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// input is the new entry the file describes.
func (ef *entryFile) input() centre.EntryInput {
	var in centre.EntryInput
	p := ef.patch()
	p.ContentPatch.Apply(&in.Content)
	set(&in.Slug, ef.Slug)
	set(&in.Lang, ef.Lang)
	set(&in.PublishAt, ef.PublishAt)
	set(&in.ExpiresAt, ef.ExpiresAt)
	return in
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// patch is every field the file sets.
func (ef *entryFile) patch() centre.EntryPatch {
	body := ef.Body
	return centre.EntryPatch{
		ContentPatch: centre.ContentPatch{Type: ef.Type, Title: ef.Title, Summary: ef.Summary, Body: &body,
			Tags: ef.Tags, Organisations: ef.Organisations, Attachments: ef.Attachments, Image: ef.Image, Pinned: ef.Pinned, Alert: ef.Alert},
		Slug: ef.Slug, Lang: ef.Lang, PublishAt: ef.PublishAt, ExpiresAt: ef.ExpiresAt,
	}
}

// changes returns the patch of the fields the file sets to a value that
// differs from e's, and their names; none means pushing the file changes
// nothing. Text is compared in Unicode NFC and times to the millisecond,
// as the service stores them.
func (ef *entryFile) changes(e *centre.Entry) (centre.EntryPatch, []string) {
	var p centre.EntryPatch
	var names []string
	nfc := norm.NFC.String
	str := func(name string, dst **string, want *string, have string) {
		if want != nil && nfc(*want) != nfc(have) {
			*dst = want
			names = append(names, name)
		}
	}
	strs := func(name string, dst **[]string, want *[]string, have []string) {
		if want == nil {
			return
		}
		a, b := slices.Clone(*want), slices.Clone(have)
		for i := range a {
			a[i] = nfc(a[i])
		}
		for i := range b {
			b[i] = nfc(b[i])
		}
		if !slices.Equal(a, b) {
			*dst = want
			names = append(names, name)
		}
	}
	when := func(name string, dst **time.Time, want *time.Time, have time.Time) {
		if want != nil && !want.UTC().Truncate(time.Millisecond).Equal(have.UTC().Truncate(time.Millisecond)) {
			*dst = want
			names = append(names, name)
		}
	}
	flag := func(name string, dst **bool, want *bool, have bool) {
		if want != nil && *want != have {
			*dst = want
			names = append(names, name)
		}
	}
	str("type", &p.Type, ef.Type, e.Type)
	str("title", &p.Title, ef.Title, e.Title)
	str("summary", &p.Summary, ef.Summary, e.Summary)
	body := ef.Body
	str("body", &p.Body, &body, normalizeBody(e.Body))
	str("slug", &p.Slug, ef.Slug, e.Slug)
	if ef.Lang != nil && !strings.EqualFold(*ef.Lang, e.Lang) {
		p.Lang = ef.Lang
		names = append(names, "lang")
	}
	strs("tags", &p.Tags, ef.Tags, e.Tags)
	strs("organisations", &p.Organisations, ef.Organisations, e.Organisations)
	when("publish_at", &p.PublishAt, ef.PublishAt, e.PublishAt)
	when("expires_at", &p.ExpiresAt, ef.ExpiresAt, e.ExpiresAt)
	flag("pinned", &p.Pinned, ef.Pinned, e.Pinned)
	flag("alert", &p.Alert, ef.Alert, e.Alert)
	if ef.Attachments != nil && !sameAttachments(*ef.Attachments, e.Attachments) {
		p.Attachments = ef.Attachments
		names = append(names, "attachments")
	}
	if ef.Image != nil && (ef.Image.FileID != e.Image.FileID || nfc(ef.Image.Alt) != nfc(e.Image.Alt)) {
		p.Image = ef.Image
		names = append(names, "image")
	}
	return p, names
}

func sameAttachments(a, b []centre.Attachment) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

// writeBack records the entry's id and version in the file's front
// matter (replacing the lines of those keys, or adding them first), and
// replaces the file at path atomically.
func (ef *entryFile) writeBack(path string, e *centre.Entry) error {
	lines := slices.Clone(ef.lines)
	idLine, verLine := "id: "+e.ID, "version: "+strconv.FormatInt(e.Version, 10)
	var add []string
	if ef.idLine >= 0 {
		lines[ef.idLine] = idLine
	} else {
		add = append(add, idLine)
	}
	if ef.versionLine >= 0 {
		lines[ef.versionLine] = verLine
	} else {
		add = append(add, verLine)
	}
	lines = slices.Insert(lines, 1, add...)
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(strings.Join(lines, "\n")); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	os.Chmod(tmp.Name(), info.Mode().Perm())
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
