package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"infocentre/internal/centre"
)

func mustCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if !centre.IsCode(err, code) {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, centre.ErrorCode(err), code)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustCreateEntry(t *testing.T, s centre.Store, e *centre.Entry) *centre.Entry {
	t.Helper()
	if err := s.CreateEntry(t.Context(), e); err != nil {
		t.Fatalf("CreateEntry %s %s/%s: %v", e.ID, e.Lang, e.Slug, err)
	}
	return e
}

func mustGetEntry(t *testing.T, s centre.Store, site, id string) *centre.Entry {
	t.Helper()
	e, err := s.GetEntry(t.Context(), site, id)
	if err != nil {
		t.Fatalf("GetEntry %s/%s: %v", site, id, err)
	}
	return e
}

// ms truncates a time to milliseconds in UTC, the precision every store
// must keep. A zero time stays zero.
func ms(tm time.Time) time.Time {
	if tm.IsZero() {
		return time.Time{}
	}
	return tm.UTC().Truncate(time.Millisecond)
}

func show(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// same fails the test if the normalised *got and *want differ (see
// normalize), naming the fields that differ.
func same[T any](t *testing.T, what string, got, want *T) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil, want\n%s", what, show(norm(want)))
	}
	if d := differs(got, want); len(d) > 0 {
		t.Fatalf("%s: fields %v differ; got\n%s\nwant\n%s", what, d, show(norm(got)), show(norm(want)))
	}
}

func sameSite(t *testing.T, what string, got, want *centre.Site) {
	t.Helper()
	same(t, what, got, want)
}

func sameEntry(t *testing.T, what string, got, want *centre.Entry) {
	t.Helper()
	same(t, what, got, want)
}

func sameKey(t *testing.T, what string, got, want *centre.Key) {
	t.Helper()
	same(t, what, got, want)
}

func sameIdem(t *testing.T, what string, got, want *centre.IdempotencyRecord) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got no record, want %+v", what, norm(want))
	}
	same(t, what, got, want)
}

func sameEvent(t *testing.T, what string, got, want *centre.AuditEvent) {
	t.Helper()
	same(t, what, got, want)
}

func entryIDs(list []*centre.Entry) []string {
	ids := make([]string, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	return ids
}

func keyIDs(list []*centre.Key) []string {
	ids := make([]string, len(list))
	for i, k := range list {
		ids[i] = k.ID
	}
	return ids
}
