package console

import (
	"net/http"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// keyForm is the form that issues an API key, as typed.
type keyForm struct{ Name, Role, Expires string }

type keysPageData struct {
	pageData
	Keys   []keyRow
	Form   keyForm
	Errors fieldErrors
	Notice *notice
	// Secret is the secret of the key just issued, on that answer only
	// (only its hash is stored); Issued is the key.
	Secret string
	Issued *centre.Key
	Zone   string // the time zone expiry dates are in
}

// keyRow is a key as the list shows it.
type keyRow struct {
	*centre.Key
	State string // active, expired or revoked
	By    string // who issued it: a person's or key's name, or its ID
}

func (c *Console) keysPage(w http.ResponseWriter, r *http.Request, who caller, site string) {
	d := keysPageData{Form: keyForm{Role: centre.RoleEditor}}
	if r.URL.Query().Get("done") == "revoked" {
		d.Notice = &notice{"ok", "The key is revoked: it no longer works, nor does any key made with it."}
	}
	c.showKeys(w, r, who, site, http.StatusOK, d)
}

// showKeys renders the keys page with d and the site's keys.
func (c *Console) showKeys(w http.ResponseWriter, r *http.Request, who caller, site string, status int, d keysPageData) {
	loc, err := c.siteZone(r, who, site)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	keys, err := c.cfg.Service.Keys(r.Context(), who.p, site)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	now := c.cfg.Service.Time()
	names, _ := c.actors(r, who, site)
	for _, k := range keys {
		state := "active"
		switch {
		case !k.RevokedAt.IsZero():
			state = "revoked"
		case !k.Usable(now):
			state = "expired"
		}
		by := names[k.CreatedBy]
		switch {
		case k.CreatedBy == "":
			by = "the operator"
		case by == "":
			by = k.CreatedBy
		}
		d.Keys = append(d.Keys, keyRow{Key: k, State: state, By: by})
	}
	d.pageData = pageData{Title: "API keys of " + site, Person: who.person, Site: site}
	if site == centre.AllSites {
		d.Title = "Owner keys"
	}
	d.Zone = loc.String()
	c.view(w, r, status, "keys", d)
}

// keyIssue issues a key and shows its secret on this answer only: it is
// never stored (only its hash), logged, audited or put in a cookie.
func (c *Console) keyIssue(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	f := keyForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"), Expires: strings.TrimSpace(r.PostFormValue("expires"))}
	in := centre.KeyInput{Name: f.Name, Role: f.Role}
	var err error
	if f.Expires != "" {
		in.ExpiresAt, err = c.expiry(r, who, site, f.Expires)
	}
	var k *centre.Key
	var secret string
	if err == nil {
		switch {
		case site == centre.AllSites:
			in.Role = centre.RoleOwner // the owners' page issues owner keys only
		case f.Role == centre.RoleOwner:
			err = centre.Errorf(centre.EFORBIDDEN, "owner keys are issued on the owners' keys page, not a site's")
		}
		if err == nil {
			k, secret, err = c.cfg.Service.CreateKey(r.Context(), who.p, site, in)
		}
	}
	target := ""
	if k != nil {
		target = k.ID
	}
	c.audit(r, who.p, c.auditSite(r, site), "key.create", target, statusOf(err), f.Role)
	if err != nil {
		c.internal(r, err)
		d := keysPageData{Form: f, Errors: invalid(err), Notice: failed(err)}
		if d.Errors != nil {
			d.Notice.Text = "No key was issued: correct the fields marked below."
		}
		c.showKeys(w, r, who, site, pageStatus(err), d)
		return
	}
	c.showKeys(w, r, who, site, http.StatusOK, keysPageData{Form: keyForm{Role: f.Role}, Secret: secret, Issued: k})
}

// expiry reads a date (YYYY-MM-DD) as the end of that day in the site's
// time zone (UTC for owner keys). Returns EINVALID naming expires_at.
func (c *Console) expiry(r *http.Request, who caller, site, date string) (time.Time, error) {
	loc, err := c.siteZone(r, who, site)
	if err != nil {
		return time.Time{}, err
	}
	day, err := time.ParseInLocation("2006-01-02", date, loc)
	if err != nil {
		var p centre.Problems
		p.Add("expires_at", "must be a date like 2026-12-31")
		return time.Time{}, p.Err()
	}
	return day.AddDate(0, 0, 1), nil
}

func (c *Console) keyRevoke(w http.ResponseWriter, r *http.Request, who caller, site string) {
	if !c.form(w, r) {
		return
	}
	id := r.PathValue("id")
	_, err := c.cfg.Service.RevokeKey(r.Context(), who.p, site, id)
	c.audit(r, who.p, c.auditSite(r, site), "key.revoke", clip(id, 200), statusOf(err), "")
	if err != nil {
		c.internal(r, err)
		c.showKeys(w, r, who, site, pageStatus(err), keysPageData{Form: keyForm{Role: centre.RoleEditor}, Notice: failed(err)})
		return
	}
	back(w, r, screenPath(site, "keys"), "revoked")
}

// siteZone is the time zone of site (UTC for AllSites).
func (c *Console) siteZone(r *http.Request, who caller, site string) (*time.Location, error) {
	if site == centre.AllSites {
		return time.UTC, nil
	}
	s, err := c.cfg.Service.StaffSite(r.Context(), who.p, site)
	if err != nil {
		return nil, err
	}
	return s.Location(), nil
}
