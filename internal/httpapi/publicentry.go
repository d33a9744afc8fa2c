package httpapi

import (
	"time"

	"infocentre/internal/centre"
)

// PublicEntry is an entry as the public sees it. It is built from an
// allowlist: a field added to centre.Entry stays out of every public
// response until it is added here (TestPublicEntryAllowlist makes each new
// field of centre.Entry either public, here, or staff-only, in its list).
type PublicEntry struct {
	ID              string              `json:"id"`
	Site            string              `json:"site"`
	Type            string              `json:"type"`
	Title           string              `json:"title"`
	Summary         string              `json:"summary,omitempty"`
	Body            string              `json:"body,omitempty"` // Markdown source
	Tags            []string            `json:"tags,omitempty"`
	Organisations   []string            `json:"organisations,omitempty"`
	Attachments     []centre.Attachment `json:"attachments,omitempty"`
	Image           centre.Image        `json:"image,omitzero"`
	Pinned          bool                `json:"pinned,omitempty"`
	Alert           bool                `json:"alert,omitempty"`
	Slug            string              `json:"slug"`
	Lang            string              `json:"lang"`
	BodyHTML        string              `json:"body_html,omitempty"`
	Status          string              `json:"status"`
	PublishAt       time.Time           `json:"publish_at,omitzero"`
	PublishedAt     time.Time           `json:"published_at,omitzero"`
	UpdatedAt       time.Time           `json:"updated_at"`
	CreatedAt       time.Time           `json:"created_at"`
	Version         int64               `json:"version"`
	ChangeNotes     []centre.ChangeNote `json:"change_notes,omitempty"`
	WithdrawnAt     time.Time           `json:"withdrawn_at,omitzero"`
	WithdrawnReason string              `json:"withdrawn_reason,omitempty"`
	SupersededBy    string              `json:"superseded_by,omitempty"`
	ExpiresAt       time.Time           `json:"expires_at,omitzero"`
	OutdatedSince   time.Time           `json:"outdated_since,omitzero"`
}

// PublicEntryOf returns e as the public read API shows it (webhook
// payloads carry the same form).
func PublicEntryOf(e *centre.Entry) PublicEntry { return publicEntry(e) }

// publicEntry copies the public fields of e.
func publicEntry(e *centre.Entry) PublicEntry {
	return PublicEntry{
		ID:              e.ID,
		Site:            e.Site,
		Type:            e.Type,
		Title:           e.Title,
		Summary:         e.Summary,
		Body:            e.Body,
		Tags:            e.Tags,
		Organisations:   e.Organisations,
		Attachments:     e.Attachments,
		Image:           e.Image,
		Pinned:          e.Pinned,
		Alert:           e.Alert,
		Slug:            e.Slug,
		Lang:            e.Lang,
		BodyHTML:        e.BodyHTML,
		Status:          e.Status,
		PublishAt:       e.PublishAt,
		PublishedAt:     e.PublishedAt,
		UpdatedAt:       e.UpdatedAt,
		CreatedAt:       e.CreatedAt,
		Version:         e.Version,
		ChangeNotes:     e.ChangeNotes,
		WithdrawnAt:     e.WithdrawnAt,
		WithdrawnReason: e.WithdrawnReason,
		SupersededBy:    e.SupersededBy,
		ExpiresAt:       e.ExpiresAt,
		OutdatedSince:   e.OutdatedSince,
	}
}

// PublicEntryList is a page of public entries.
type PublicEntryList struct {
	Items      []PublicEntry `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}
