package centre_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"infocentre/internal/centre"
)

// TestFilesPublicWithTheirEntry: on both stores, the write that makes an
// entry public makes its files public in the same store write (publish,
// create as published, scheduled release); a scheduled entry whose file
// was deleted while it waited goes back to review at its release, saying
// why, and announces nothing; publishing an entry whose file is gone fails
// with ECONFLICT and leaves the entry as it was.
func TestFilesPublicWithTheirEntry(t *testing.T) {
	onEachStore(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		pub, _, _ := f.key(f.owner, "demo", centre.RolePublisher, time.Time{})
		file := func(seed string) *centre.File {
			t.Helper()
			sum := sha256.Sum256([]byte(seed))
			fl := &centre.File{ID: centre.NewID(f.now), Site: "demo", Name: seed + ".pdf", MediaType: "application/pdf",
				Kind: centre.KindDocument, Size: 1234, SHA256: hex.EncodeToString(sum[:]), CreatedAt: f.now, CreatedBy: "k1", Pages: 2}
			if err := f.store.CreateFile(ctx, fl, 0); err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(time.Millisecond)
			return fl
		}
		isPublic := func(what string, fl *centre.File, entry string, since time.Time) {
			t.Helper()
			for _, read := range []func() (*centre.File, error){
				func() (*centre.File, error) { return f.store.GetFile(ctx, "demo", fl.ID) },
				func() (*centre.File, error) { return f.store.FileByHash(ctx, "demo", fl.SHA256) },
			} {
				got, err := read()
				if err != nil || got.PublicEntry != entry || !got.PublicSince.Equal(since) {
					t.Fatalf("%s: file %s public since %v by %q (%v), want %v by %q", what, fl.Name, got.PublicSince, got.PublicEntry, err, since, entry)
				}
			}
		}
		input := func(title string, status string, at time.Time, files ...*centre.File) centre.EntryInput {
			in := centre.EntryInput{Content: centre.Content{Type: centre.TypePublication, Title: title}, Status: status, PublishAt: at}
			for _, fl := range files {
				in.Attachments = append(in.Attachments, centre.Attachment{Title: fl.Name, FileID: fl.ID})
			}
			return in
		}

		// Publish: the draft's file is not public; the publish makes it so.
		a := file("plan")
		d, err := f.svc.CreateEntry(ctx, pub, "demo", input("Plan", centre.StatusDraft, time.Time{}, a))
		if err != nil {
			t.Fatal(err)
		}
		isPublic("a draft's file", a, "", time.Time{})
		published := f.now
		if _, err := f.svc.Publish(ctx, pub, "demo", d.ID, d.Version, ""); err != nil {
			t.Fatal(err)
		}
		isPublic("after publishing", a, d.ID, published)

		// Created as published.
		b := file("report")
		c, err := f.svc.CreateEntry(ctx, pub, "demo", input("Report", centre.StatusPublished, time.Time{}, b))
		if err != nil {
			t.Fatal(err)
		}
		isPublic("created as published", b, c.ID, f.now)

		// A draft whose file is deleted cannot be published: nothing changes.
		gone := file("gone")
		d2, err := f.svc.CreateEntry(ctx, pub, "demo", input("Gone", centre.StatusDraft, time.Time{}, gone))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteFile(ctx, pub, "demo", gone.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Publish(ctx, pub, "demo", d2.ID, d2.Version, "")
		wantCode(t, err, centre.ECONFLICT, "publish an entry whose file was deleted")
		if got, _ := f.store.GetEntry(ctx, "demo", d2.ID); got.Status != centre.StatusDraft || got.Version != d2.Version {
			t.Fatalf("a failed publish changed the entry: %s v%d", got.Status, got.Version)
		}

		// Scheduled release: one entry's file is there, the other's was
		// deleted while it waited.
		kept, lost := file("kept"), file("lost")
		ok, err := f.svc.CreateEntry(ctx, pub, "demo", input("Kept", centre.StatusScheduled, f.now.Add(time.Hour), kept))
		if err != nil {
			t.Fatal(err)
		}
		held, err := f.svc.CreateEntry(ctx, pub, "demo", input("Lost", centre.StatusScheduled, f.now.Add(time.Hour), lost))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteFile(ctx, pub, "demo", lost.ID); err != nil {
			t.Fatal(err)
		}
		before, err := f.store.ListNotifications(ctx, centre.NotificationQuery{Site: "demo", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(2 * time.Hour)
		n, err := f.svc.PublishDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("PublishDue: %d, %v; want 1", n, err)
		}
		isPublic("released", kept, ok.ID, f.now)
		got, err := f.store.GetEntry(ctx, "demo", held.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != centre.StatusDraft || !strings.Contains(got.ReviewNote, lost.ID) || got.ReviewRequestedAt.IsZero() {
			t.Fatalf("the entry whose file was deleted: %s, review note %q", got.Status, got.ReviewNote)
		}
		after, err := f.store.ListNotifications(ctx, centre.NotificationQuery{Site: "demo", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(after.Items) != len(before.Items)+1 || after.Items[0].Entry != ok.ID {
			t.Fatalf("announcements after the release: %d (was %d); the newest is for %q, want only %q's", len(after.Items), len(before.Items), after.Items[0].Entry, ok.ID)
		}
	})
}
