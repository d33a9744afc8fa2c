package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/cursor"
)

// auditFilter is the audit log's filter form, as typed: From and To are
// dates (YYYY-MM-DD) in the site's time zone, To inclusive; Actor is a
// key ID or "person:" and a person's ID.
type auditFilter struct{ Action, Actor, Target, From, To string }

func (f auditFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"action": f.Action, "actor": f.Actor, "target": f.Target, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

type auditPageData struct {
	pageData
	Filter   auditFilter
	Errors   fieldErrors
	Events   []auditRow
	Next     string // the link to the next (older) page, if any
	First    string // the link to the newest page, when not on it
	Zone     string
	LogTitle string
	Base     string // the log's path
}

// auditRow is an event as the log shows it.
type auditRow struct {
	*centre.AuditEvent
	Actor  string // the filter value of its actor
	Who    string // the person's or key's name, when known
	AtZone time.Time
}

// auditPage shows a page of a site's audit log (admins), or the owners'
// (AllSites) log at /admin/audit (owners), newest first, filtered.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	v := r.URL.Query()
	f := auditFilter{Action: strings.TrimSpace(v.Get("action")), Actor: strings.TrimSpace(v.Get("actor")),
		Target: strings.TrimSpace(v.Get("target")), From: v.Get("from"), To: v.Get("to")}
	base := "/admin/audit"
	d := auditPageData{Filter: f, LogTitle: "Audit log of the owners and of failed sign-ins"}
	loc := time.UTC
	if site != centre.AllSites {
		s, err := c.cfg.Service.StaffSite(r.Context(), who.p, site)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		loc, base, d.LogTitle = s.Location(), "/admin/sites/"+site+"/audit", "Audit log of "+s.Title
	}
	d.pageData = pageData{Title: d.LogTitle, Person: who.person, Site: site}
	d.Zone, d.Base = loc.String(), base

	q := centre.AuditQuery{Site: site, Action: clip(f.Action, 100), Target: clip(f.Target, 200), Limit: 50}
	names, byEmail := c.actors(r, who, site)
	var p centre.Problems
	actor := f.Actor
	if strings.Contains(actor, "@") {
		if actor = byEmail[centre.NormalizeEmail(actor)]; actor == "" {
			p.Add("actor", "nobody here has the email %q", clip(f.Actor, 100))
		}
	}
	if id, ok := strings.CutPrefix(actor, "person:"); ok {
		q.PersonID = clip(id, 100)
	} else {
		q.KeyID = clip(actor, 100)
	}
	for _, b := range []struct {
		name, value string
		dst         *time.Time
		days        int
	}{{"from", f.From, &q.From, 0}, {"to", f.To, &q.To, 1}} {
		if b.value == "" {
			continue
		}
		day, err := time.ParseInLocation("2006-01-02", b.value, loc)
		if err != nil {
			p.Add(b.name, "must be a date like 2026-03-01")
			continue
		}
		*b.dst = day.AddDate(0, 0, b.days)
	}
	if err := p.Err(); err != nil {
		d.Errors = invalid(err)
		c.view(w, r, http.StatusBadRequest, "audit", d)
		return
	}
	scope := cursor.Scope("console-audit", site, q.Action, f.Actor, q.Target, f.From, f.To)
	after, err := c.cursors.Open(scope, v.Get("cursor"))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	q.After = after
	page, err := c.cfg.Service.Audit(r.Context(), who.p, q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, ev := range page.Items {
		row := auditRow{AuditEvent: ev, Actor: ev.KeyID, AtZone: ev.At.In(loc)}
		if ev.PersonID != "" {
			row.Actor = "person:" + ev.PersonID
		}
		row.Who = names[row.Actor]
		d.Events = append(d.Events, row)
	}
	if page.Next != "" {
		nv := f.query()
		nv.Set("cursor", c.cursors.Seal(scope, page.Next))
		d.Next = base + "?" + nv.Encode()
	}
	if after != "" {
		d.First = base
		if fq := f.query().Encode(); fq != "" {
			d.First += "?" + fq
		}
	}
	c.view(w, r, http.StatusOK, "audit", d)
}

// actors names the people and keys of site (and, for an owner, the
// owners and owner keys) by their filter value ("person:ID", key ID), for
// the log's actor column, and gives the filter value of each person's
// email. A list that cannot be read leaves its actors unnamed.
func (c *Console) actors(r *http.Request, who caller, site string) (names, byEmail map[string]string) {
	out, byEmail := map[string]string{}, map[string]string{}
	sites := []string{site}
	if who.p.Role == centre.RoleOwner && site != centre.AllSites {
		sites = append(sites, centre.AllSites) // the owners, who act on every site
	}
	for _, s := range sites {
		if people, err := c.cfg.Service.People(r.Context(), who.p, s); err == nil {
			for _, p := range people {
				out["person:"+p.ID] = p.Name + " <" + p.Email + ">"
				byEmail[p.Email] = "person:" + p.ID
			}
		}
		if keys, err := c.cfg.Service.Keys(r.Context(), who.p, s); err == nil {
			for _, k := range keys {
				out[k.ID] = "key " + k.Name
			}
		}
	}
	return out, byEmail
}
