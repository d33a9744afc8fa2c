package feed

import (
	"encoding/json"
	"fmt"
)

// JSONFeedVersion is the version URL of JSON Feed 1.1.
const JSONFeedVersion = "https://jsonfeed.org/version/1.1"

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	Title    string `json:"title,omitempty"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

type jsonChange struct {
	At   string `json:"at"`
	Note string `json:"note"`
}

// jsonExt is the "_infocentre" extension object of an item.
type jsonExt struct {
	Type            string       `json:"type"`
	ChangeNotes     []jsonChange `json:"change_notes,omitempty"`
	Withdrawn       bool         `json:"withdrawn,omitempty"`
	WithdrawnAt     string       `json:"withdrawn_at,omitempty"`
	WithdrawnReason string       `json:"withdrawn_reason,omitempty"`
	SupersededBy    string       `json:"superseded_by,omitempty"`
}

type jsonItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	Title         string           `json:"title"`
	ContentHTML   string           `json:"content_html"`
	Summary       string           `json:"summary,omitempty"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Authors       []jsonAuthor     `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
	Language      string           `json:"language,omitempty"`
	Attachments   []jsonAttachment `json:"attachments,omitempty"`
	Ext           jsonExt          `json:"_infocentre"`
}

type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	Language    string       `json:"language,omitempty"`
	Authors     []jsonAuthor `json:"authors,omitempty"`
	Hubs        []jsonHub    `json:"hubs,omitempty"`
	Ext         *jsonFeedExt `json:"_infocentre,omitempty"`
	Items       []jsonItem   `json:"items"`
}

// jsonHub is a JSON Feed hub: "WebSub" and its URL.
type jsonHub struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// jsonFeedExt is the "_infocentre" extension object of a feed.
type jsonFeedExt struct {
	Archived   bool   `json:"archived"`
	ArchivedAt string `json:"archived_at,omitempty"`
	Notice     string `json:"notice,omitempty"`
}

// JSON returns f as a JSON Feed 1.1 document. Entry type, change notes and
// withdrawal are also given as data in the "_infocentre" extension.
func JSON(f *Feed) ([]byte, error) {
	jf := jsonFeed{
		Version:     JSONFeedVersion,
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.SelfURL,
		Description: f.description(),
		Language:    f.Lang,
		Items:       []jsonItem{},
	}
	if f.Archived {
		jf.Ext = &jsonFeedExt{Archived: true, Notice: f.Notice}
		if !f.ArchivedAt.IsZero() {
			jf.Ext.ArchivedAt = rfc3339(f.ArchivedAt)
		}
	}
	if f.Author != "" {
		jf.Authors = []jsonAuthor{{Name: f.Author}}
	}
	if f.Hub != "" {
		jf.Hubs = []jsonHub{{Type: "WebSub", URL: f.Hub}}
	}
	for i := range f.Items {
		it := &f.Items[i]
		ji := jsonItem{
			ID:            it.ID,
			URL:           it.URL,
			Title:         itemTitle(it),
			ContentHTML:   ContentHTML(it),
			Summary:       it.Summary,
			DatePublished: rfc3339(it.Published),
			DateModified:  rfc3339(updated(it)),
			Tags:          it.Tags,
			Language:      it.Lang,
			Ext: jsonExt{
				Type:            it.Type,
				Withdrawn:       it.Withdrawn,
				WithdrawnReason: it.WithdrawnReason,
				SupersededBy:    it.SupersededByURL,
			},
		}
		if !it.WithdrawnAt.IsZero() {
			ji.Ext.WithdrawnAt = rfc3339(it.WithdrawnAt)
		}
		for _, o := range it.Organisations {
			ji.Authors = append(ji.Authors, jsonAuthor{Name: o})
		}
		for _, a := range it.Attachments {
			ji.Attachments = append(ji.Attachments, jsonAttachment{URL: a.URL, MimeType: a.MediaType, Title: a.Title, Size: a.Size})
		}
		for _, n := range it.ChangeNotes {
			ji.Ext.ChangeNotes = append(ji.Ext.ChangeNotes, jsonChange{At: rfc3339(n.At), Note: n.Note})
		}
		jf.Items = append(jf.Items, ji)
	}
	b, err := json.MarshalIndent(jf, "", " ")
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return append(b, '\n'), nil
}
