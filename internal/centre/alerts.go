package centre

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The rules of a site's public alerts: its emergency banner and the entries
// marked as alerts (Content.Alert) are published as Common Alerting
// Protocol messages too. Each alert is a sequence of messages — an Alert,
// an Update at each change, a Cancel when it is taken down — of which only
// the current one can be read (a message is built from what is stored now,
// and earlier content is not kept).

// AlertMessage is the current message of one alert.
type AlertMessage struct {
	// Identifier names the message: "{site}.banner.{id}.{n}" or
	// "{site}.entry.{slug}.{n}", n counting the updates (0 for the Alert),
	// and "….cancel" for the Cancel.
	Identifier string
	// MsgType is "Alert", "Update" or "Cancel".
	MsgType string
	Sent    time.Time
	// References are the earlier messages it follows, oldest first: the
	// Alert and the updates whose time is known (at most MaxAlertRefs).
	References []AlertRef
	// Expires is when the alert stops applying (zero: not known).
	Expires time.Time
	// Listed says whether the alert index lists it: while the alert is
	// shown, and for CancelListedFor after it is taken down.
	Listed bool
	// Banner is the banner it is about, or nil; Versions are the public
	// language versions of the entry it is about, ordered by Lang.
	Banner   *Banner
	Versions []*Entry
}

// AlertRef names an earlier message of an alert.
type AlertRef struct {
	Identifier string
	Sent       time.Time
}

// MaxAlertRefs bounds the references of a message; CancelListedFor is how
// long a Cancel stays in the index.
const (
	MaxAlertRefs    = 20
	CancelListedFor = 24 * time.Hour
)

// BannerAlert returns the current message of the site's banner at now, or
// false if the site has never had one. An expired banner's message stays
// readable (its expiry says it is over) but is not listed.
func BannerAlert(site *Site, now time.Time) (AlertMessage, bool) {
	b := site.Banner
	if b == nil || b.ID == "" {
		return AlertMessage{}, false
	}
	base := site.Slug + ".banner." + b.ID + "."
	first := AlertRef{Identifier: base + "0", Sent: b.SetAt}
	m := AlertMessage{Banner: b, Expires: b.ExpiresAt}
	var last *AlertRef
	if b.Updates > 0 {
		last = &AlertRef{Identifier: base + strconv.Itoa(b.Updates), Sent: b.UpdatedAt}
	}
	switch {
	case !b.RemovedAt.IsZero():
		m.Identifier, m.MsgType, m.Sent = base+"cancel", "Cancel", b.RemovedAt
		m.References = []AlertRef{first}
		if last != nil {
			m.References = append(m.References, *last)
		}
		m.Listed = now.Sub(b.RemovedAt) < CancelListedFor
	case last != nil:
		m.Identifier, m.MsgType, m.Sent = last.Identifier, "Update", last.Sent
		m.References = []AlertRef{first}
		m.Listed = b.ActiveAt(now)
	default:
		m.Identifier, m.MsgType, m.Sent = first.Identifier, "Alert", first.Sent
		m.Listed = b.ActiveAt(now)
	}
	return m, true
}

// EntryAlert returns the current message of the entry whose public
// language versions are versions (of one slug), or false if none of them
// is marked as an alert. The Alert is its first publication; each public
// change (a change note of any version) is an Update; once every version
// is withdrawn, the Cancel.
func EntryAlert(site string, versions []*Entry, now time.Time) (AlertMessage, bool) {
	var alert bool
	var published, withdrawn, expires time.Time
	allWithdrawn := len(versions) > 0
	var changes []time.Time
	for _, e := range versions {
		alert = alert || e.Alert
		if !e.PublishedAt.IsZero() && (published.IsZero() || e.PublishedAt.Before(published)) {
			published = e.PublishedAt
		}
		if e.Status != StatusWithdrawn {
			allWithdrawn = false
		} else if e.WithdrawnAt.After(withdrawn) {
			withdrawn = e.WithdrawnAt
		}
		if e.ExpiresAt.After(expires) {
			expires = e.ExpiresAt
		}
		for _, n := range e.ChangeNotes {
			changes = append(changes, n.At)
		}
	}
	if !alert || published.IsZero() {
		return AlertMessage{}, false
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Before(changes[j]) })
	var updates []time.Time
	for _, at := range changes {
		if at.After(published) && (len(updates) == 0 || at.After(updates[len(updates)-1])) {
			updates = append(updates, at)
		}
	}
	sorted := append([]*Entry(nil), versions...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Lang < sorted[j].Lang })
	base := site + ".entry." + sorted[0].Slug + "."
	refs := []AlertRef{{Identifier: base + "0", Sent: published}}
	for i, at := range updates {
		refs = append(refs, AlertRef{Identifier: base + strconv.Itoa(i+1), Sent: at})
	}
	m := AlertMessage{Versions: sorted, Expires: expires}
	if allWithdrawn {
		m.Identifier, m.MsgType, m.Sent = base+"cancel", "Cancel", withdrawn
		m.Listed = now.Sub(withdrawn) < CancelListedFor
	} else {
		cur := refs[len(refs)-1]
		refs = refs[:len(refs)-1]
		m.Identifier, m.Sent = cur.Identifier, cur.Sent
		m.MsgType = "Alert"
		if len(updates) > 0 {
			m.MsgType = "Update"
		}
		m.Listed = expires.IsZero() || now.Before(expires)
	}
	if len(refs) > MaxAlertRefs { // the Alert and the latest updates
		refs = append(refs[:1], refs[len(refs)-MaxAlertRefs+1:]...)
	}
	m.References = refs
	return m, true
}

// ParseAlertID splits a message identifier of site into the kind of alert
// ("banner" or "entry"), its key (banner id or entry slug) and the rest
// (an update number or "cancel"); ok is false for anything else.
func ParseAlertID(site, id string) (kind, key, rest string, ok bool) {
	s, found := strings.CutPrefix(id, site+".")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "banner" && parts[0] != "entry") || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
