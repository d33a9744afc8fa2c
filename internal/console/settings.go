package console

import (
	"net/http"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// settingsForm is the site settings form, as typed.
type settingsForm struct {
	Title, Tagline, Description, Languages, Publisher string
	ContactEmail, ContactURL, Accent, TimeZone, Hosts string
	ReviewRequired                                    bool // the two-person rule
	Version                                           int64
}

func settingsOf(s *centre.Site) settingsForm {
	return settingsForm{Title: s.Title, Tagline: s.Tagline, Description: s.Description,
		Languages: strings.Join(s.Languages, ", "), Publisher: s.Publisher,
		ContactEmail: s.Contact.Email, ContactURL: s.Contact.URL, Accent: s.Theme.Accent,
		TimeZone: s.TimeZone, Hosts: strings.Join(s.Hosts, "\n"), ReviewRequired: s.ReviewRequired, Version: s.Version}
}

func settingsFrom(r *http.Request) settingsForm {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	f := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	return settingsForm{Title: f("title"), Tagline: f("tagline"), Description: f("description"),
		Languages: f("languages"), Publisher: f("publisher"), ContactEmail: f("contact_email"),
		ContactURL: f("contact_url"), Accent: f("accent"), TimeZone: f("time_zone"), Hosts: f("hosts"),
		ReviewRequired: r.PostFormValue("review_required") != "", Version: v}
}

// differences names the fields of mine that differ from theirs, with
// mine's value: what a person had typed when someone else saved first.
func (mine settingsForm) differences(theirs settingsForm, hosts bool) []fieldValue {
	var out []fieldValue
	add := func(label, a, b string) {
		if a != b {
			out = append(out, fieldValue{label, a})
		}
	}
	add("Title", mine.Title, theirs.Title)
	add("Tagline", mine.Tagline, theirs.Tagline)
	add("Description", mine.Description, theirs.Description)
	add("Languages", strings.Join(splitList(mine.Languages, centre.MaxLanguages), ", "), theirs.Languages)
	add("Publisher", mine.Publisher, theirs.Publisher)
	add("Contact email", mine.ContactEmail, theirs.ContactEmail)
	add("Contact page", mine.ContactURL, theirs.ContactURL)
	add("Accent colour", mine.Accent, theirs.Accent)
	add("Time zone", mine.TimeZone, theirs.TimeZone)
	add("Approval before publication", onOff(mine.ReviewRequired), onOff(theirs.ReviewRequired))
	if hosts {
		add("Host names", strings.Join(splitList(mine.Hosts, centre.MaxHosts), "\n"), theirs.Hosts)
	}
	return out
}

type fieldValue struct{ Label, Value string }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

type settingsPageData struct {
	pageData
	Form     settingsForm
	Errors   fieldErrors
	Notice   *notice
	Yours    []fieldValue // on a conflict: what the person had typed
	Archived bool
	Owner    bool     // may change the host names
	Hosts    []string // the site's host names (shown to admins, who cannot change them)
}

func (c *Console) settingsPage(w http.ResponseWriter, r *http.Request, who caller, slug string) {
	site, err := c.cfg.Service.StaffSite(r.Context(), who.p, slug)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := c.settingsData(who, site, settingsOf(site))
	if r.URL.Query().Get("done") == "saved" {
		d.Notice = &notice{"ok", "The settings are saved."}
	}
	c.view(w, r, http.StatusOK, "settings", d)
}

func (c *Console) settingsData(who caller, site *centre.Site, f settingsForm) settingsPageData {
	return settingsPageData{pageData: pageData{Title: "Settings of " + site.Title, Person: who.person, Site: site.Slug},
		Form: f, Archived: site.Status == centre.SiteArchived, Owner: who.p.Role == centre.RoleOwner, Hosts: site.Hosts}
}

// settingsSave applies the form if the site is still at the version the
// form was made from. Field errors are shown beside the fields; when
// someone saved first, the form shows the current values and lists what
// this person had typed (never a raw 412).
func (c *Console) settingsSave(w http.ResponseWriter, r *http.Request, who caller, slug string) {
	if !c.form(w, r) {
		return
	}
	mine := settingsFrom(r)
	site, err := c.cfg.Service.StaffSite(r.Context(), who.p, slug)
	if err != nil {
		c.audit(r, who.p, c.auditSite(r, slug), "site.update", slug, statusOf(err), "")
		c.fail(w, r, err)
		return
	}
	langs := splitList(mine.Languages, centre.MaxLanguages)
	contact := centre.Contact{Email: mine.ContactEmail, URL: mine.ContactURL}
	theme := centre.Theme{Accent: mine.Accent, LogoURL: site.Theme.LogoURL}
	patch := centre.SitePatch{Title: &mine.Title, Tagline: &mine.Tagline, Description: &mine.Description,
		Languages: &langs, Publisher: &mine.Publisher, Contact: &contact, Theme: &theme, TimeZone: &mine.TimeZone,
		ReviewRequired: &mine.ReviewRequired}
	if who.p.Role == centre.RoleOwner {
		hosts := splitList(strings.ToLower(mine.Hosts), centre.MaxHosts)
		patch.Hosts = &hosts
	}
	_, err = c.cfg.Service.UpdateSite(r.Context(), who.p, slug, patch, mine.Version)
	var changed []string // the fields this form changes, for the audit log
	for _, f := range mine.differences(settingsOf(site), patch.Hosts != nil) {
		changed = append(changed, f.Label)
	}
	c.audit(r, who.p, slug, "site.update", slug, statusOf(err), clip("changes: "+strings.Join(changed, ", "), 500))
	switch {
	case err == nil:
		back(w, r, "/admin/sites/"+slug+"/settings", "saved")
	case centre.IsCode(err, centre.EPRECONDITION):
		current := settingsOf(site)
		d := c.settingsData(who, site, current)
		d.Yours = mine.differences(current, d.Owner)
		d.Notice = &notice{"error", "Someone else saved these settings after you opened them. Your changes were not saved: the form now shows the current settings, and your values are listed below it. Make your changes again and save."}
		c.view(w, r, http.StatusConflict, "settings", d)
	default:
		c.internal(r, err)
		d := c.settingsData(who, site, mine)
		d.Errors, d.Notice = invalid(err), failed(err)
		if d.Errors != nil {
			d.Notice.Text = "The settings were not saved: correct the fields marked below."
		}
		c.view(w, r, pageStatus(err), "settings", d)
	}
}
