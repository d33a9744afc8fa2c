package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"

	"infocentre/internal/centre"
)

// The public routes of email alerts (Register). Every answer is either an
// HTML page (a browser's form) or JSON — application/problem+json (RFC
// 9457) for errors — when the client asks for JSON in Accept. None is
// cached (Cache-Control: no-store). POSTs from another origin are refused
// (http.CrossOriginProtection): the forms work without JavaScript, and no
// other site can make a visitor's browser post them.
//
//	POST /sites/{site}/subscribe              email, scope, frequency, lang → confirmation email
//	GET  /sites/{site}/subscribe/confirm?t=   a page with the button that confirms
//	POST /sites/{site}/subscribe/confirm      t → confirmed
//	GET  /sites/{site}/subscriptions/?t=      manage: list, change, delete; &format=json exports
//	POST /sites/{site}/subscriptions/         t, action (frequency, delete, delete-all), scope, frequency
//	GET  /sites/{site}/unsubscribe?t=         a page with the unsubscribe button
//	POST /sites/{site}/unsubscribe?t=         one click (RFC 8058: List-Unsubscribe=One-Click)

// maxForm bounds the body of every form.
const maxForm = 8 << 10

// Register mounts the routes on mux. clientOf returns the address a
// request came from (for the per-client rate limit).
func (a *Alerts) Register(mux *http.ServeMux, clientOf func(*http.Request) string) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.problem(w, r, centre.Errorf(centre.EFORBIDDEN, "this form may only be sent from the site's own pages"))
	}))
	post := func(pattern string, h http.HandlerFunc) {
		mux.Handle("POST "+pattern, cop.Handler(http.MaxBytesHandler(h, maxForm)))
	}
	post("/sites/{site}/subscribe", func(w http.ResponseWriter, r *http.Request) { a.serveSubscribe(w, r, clientOf(r)) })
	mux.HandleFunc("GET /sites/{site}/subscribe/confirm", a.serveConfirmPage)
	post("/sites/{site}/subscribe/confirm", a.serveConfirm)
	mux.HandleFunc("GET /sites/{site}/subscriptions/{$}", a.serveManage)
	post("/sites/{site}/subscriptions/{$}", a.serveManageAction)
	mux.HandleFunc("GET /sites/{site}/unsubscribe", a.serveUnsubscribePage)
	// The one-click POST comes from a mail provider's server, not a
	// browser: it carries no Origin, which CrossOriginProtection allows.
	post("/sites/{site}/unsubscribe", a.serveUnsubscribe)
}

// wantsJSON reports whether the client asked for JSON rather than HTML.
func wantsJSON(r *http.Request) bool {
	acc := r.Header.Get("Accept")
	return strings.Contains(acc, "json") && !strings.Contains(acc, "text/html")
}

// problem answers an error: problem+json, or an HTML page.
func (a *Alerts) problem(w http.ResponseWriter, r *http.Request, err error) {
	status, title := http.StatusInternalServerError, "Internal error"
	detail, code := "internal error", centre.EINTERNAL
	var fields []centre.FieldError
	var ce *centre.Error
	switch {
	case errors.Is(err, errLimited):
		status, title, detail, code = http.StatusTooManyRequests, "Too many requests", errLimited.Error(), "rate_limited"
		w.Header().Set("Retry-After", "3600")
	case errors.As(err, &ce) && ce.Code != centre.EINTERNAL:
		detail, fields, code = ce.Message, ce.Fields, ce.Code
		switch ce.Code {
		case centre.EINVALID:
			status, title = http.StatusBadRequest, "Invalid request"
		case centre.EFORBIDDEN:
			status, title = http.StatusForbidden, "Forbidden"
		case centre.ENOTFOUND:
			status, title = http.StatusNotFound, "Not found"
		case centre.ECONFLICT, centre.EPRECONDITION:
			status, title = http.StatusConflict, "Conflict"
		case centre.EUNAVAILABLE:
			status, title = http.StatusServiceUnavailable, "Unavailable"
			w.Header().Set("Retry-After", "5")
		}
	default:
		a.Log.ErrorContext(r.Context(), "alerts request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		body := map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
		if len(fields) > 0 {
			body["errors"] = fields
		}
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	var b strings.Builder
	b.WriteString("<p>" + html.EscapeString(detail) + "</p>")
	if len(fields) > 0 {
		b.WriteString("<ul>")
		for _, f := range fields {
			b.WriteString("<li>" + html.EscapeString(f.Field+": "+f.Reason) + "</li>")
		}
		b.WriteString("</ul>")
	}
	if site := r.PathValue("site"); site != "" {
		b.WriteString(`<p><a href="/sites/` + html.EscapeString(site) + `/">Back to the site</a></p>`)
	}
	page(w, status, "en", title, b.String())
}

// pageLang returns the language of a visitor's page about the address's
// subscriptions on site: that of its subscription to scope (any of them
// when scope is "" or not held), else the site's default language — one
// the site is in.
func (a *Alerts) pageLang(r *http.Request, site, email, scope string) string {
	st, err := a.Store.GetSite(r.Context(), site)
	if err != nil {
		return "en"
	}
	lang := st.DefaultLanguage()
	if subs, err := a.Store.Subscriptions(r.Context(), site, email); err == nil {
		for i, s := range subs {
			if (s.Scope == scope || i == 0) && containsLang(st.Languages, s.Lang) {
				lang = s.Lang
			}
		}
	}
	return lang
}

// pageStyle is the style of the visitors' pages: readable at any width,
// light and dark (the public site's dark background), a skip link and a
// focus ring that shows, as on the public site (e2e/browser/a11y.mjs).
const pageStyle = `:root{color-scheme:light dark}body{font-family:system-ui,sans-serif;line-height:1.5;max-width:40em;margin:2em auto;padding:0 1em;` +
	`background:#fff;color:#1b1b1b}a{color:#0b4f9c}table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{padding:.3em .6em;border-bottom:1px solid #888;` +
	`text-align:left;vertical-align:top}button,select{font:inherit;padding:.3em .8em;max-width:100%;white-space:normal;overflow-wrap:anywhere}:focus-visible,a:focus,button:focus,select:focus{outline:3px solid #0b4f9c;outline-offset:2px}` +
	`.skip{position:absolute;left:-100em}.skip:focus{left:1em;top:.5em;background:#fff;padding:.2em .5em}` +
	`@media (max-width:40em){table,tbody,tr,td,th{display:block}thead{display:none}td{border:0}tr{border-bottom:1px solid #888;padding:.5em 0}}` +
	`@media (prefers-color-scheme:dark){body{background:#121212;color:#ececec}a{color:#8cc4ff}.skip:focus{background:#121212}` +
	`:focus-visible,a:focus,button:focus,select:focus{outline-color:#8cc4ff}}`

// page writes a small, self-contained HTML page in lang.
func page(w http.ResponseWriter, status int, lang, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="%s"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`+
		`<meta name="robots" content="noindex"><meta name="color-scheme" content="light dark"><title>%s</title><style>%s</style></head>`+
		`<body><a class="skip" href="#main">%s</a><main id="main"><h1>%s</h1>%s</main></body></html>`,
		html.EscapeString(lang), html.EscapeString(title), pageStyle, html.EscapeString(word(lang, "page.skip")), html.EscapeString(title), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *Alerts) serveSubscribe(w http.ResponseWriter, r *http.Request, client string) {
	if err := r.ParseForm(); err != nil {
		a.problem(w, r, centre.Errorf(centre.EINVALID, "the form could not be read"))
		return
	}
	site := r.PathValue("site")
	err := a.Subscribe(r.Context(), SubscribeRequest{Site: site, Email: r.PostForm.Get("email"),
		Scope: r.PostForm.Get("scope"), Frequency: r.PostForm.Get("frequency"), Lang: r.PostForm.Get("lang"), Client: client})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	l := "en"
	if st, err := a.Store.GetSite(r.Context(), site); err == nil {
		l = st.DefaultLanguage()
		if containsLang(st.Languages, r.PostForm.Get("lang")) {
			l = r.PostForm.Get("lang")
		}
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "confirmation_sent", "detail": word(l, "page.check.text")})
		return
	}
	page(w, http.StatusAccepted, l, word(l, "page.check.title"), "<p>"+html.EscapeString(word(l, "page.check.text"))+"</p>"+
		`<p><a href="/sites/`+html.EscapeString(site)+`/">`+html.EscapeString(word(l, "page.back"))+`</a></p>`)
}

// tokenForm is a page with one button that posts the token back.
func tokenForm(action, tok, button string) string {
	return `<form method="post" action="` + html.EscapeString(action) + `"><input type="hidden" name="t" value="` +
		html.EscapeString(tok) + `"><button type="submit">` + html.EscapeString(button) + `</button></form>`
}

func (a *Alerts) serveConfirmPage(w http.ResponseWriter, r *http.Request) {
	site, tok := r.PathValue("site"), r.URL.Query().Get("t")
	t, err := a.Links.open(purposeConfirm, site, tok, a.Now())
	if err != nil {
		a.problem(w, r, centre.Errorf(centre.ENOTFOUND, "this confirmation link is not valid or has expired"))
		return
	}
	l := a.pageLang(r, site, t.Email, t.Scope)
	page(w, http.StatusOK, l, word(l, "page.confirm.title"), "<p>"+html.EscapeString(word(l, "page.confirm.text"))+"</p>"+
		tokenForm("/sites/"+site+"/subscribe/confirm", tok, word(l, "confirm.action")))
}

func (a *Alerts) serveConfirm(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	sub, err := a.Confirm(r.Context(), site, formToken(r))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	st, err := a.Store.GetSite(r.Context(), site)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	manage := a.ManageURL(st, sub.Email)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"subscription": exportOf(sub), "manage_url": manage})
		return
	}
	l := sub.Lang
	if !containsLang(st.Languages, l) {
		l = st.DefaultLanguage()
	}
	page(w, http.StatusOK, l, word(l, "page.confirmed.title"), "<p>"+html.EscapeString(word(l, "page.confirmed.text",
		scopeText(l, sub.Scope), word(l, "freq."+sub.Frequency)))+"</p>"+
		`<p>`+html.EscapeString(word(l, "page.confirmed.unsub"))+` <a href="`+html.EscapeString(manage)+`">`+html.EscapeString(word(l, "footer.manage"))+`</a>.</p>`)
}

// formToken returns the token of a POST: the form's t, else the query's.
func formToken(r *http.Request) string {
	if err := r.ParseForm(); err == nil && r.PostForm.Get("t") != "" {
		return r.PostForm.Get("t")
	}
	return r.URL.Query().Get("t")
}

// Export is a subscription as its owner (and the site's admins) export it.
type Export struct {
	Email       string `json:"email"`
	Scope       string `json:"scope"`
	Frequency   string `json:"frequency"`
	Lang        string `json:"lang"`
	State       string `json:"state"`
	Created     string `json:"created"`
	ConfirmedAt string `json:"confirmed_at,omitempty"`
}

func exportOf(s *centre.Subscription) Export {
	e := Export{Email: s.Email, Scope: s.Scope, Frequency: s.Frequency, Lang: s.Lang, State: s.State,
		Created: s.Created.UTC().Format("2006-01-02T15:04:05Z")}
	if !s.ConfirmedAt.IsZero() {
		e.ConfirmedAt = s.ConfirmedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return e
}

func (a *Alerts) serveManage(w http.ResponseWriter, r *http.Request) {
	site, tok := r.PathValue("site"), r.URL.Query().Get("t")
	o, err := a.OpenManage(site, tok)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	subs, err := a.Subscriptions(r.Context(), o)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if r.URL.Query().Get("format") == "json" || wantsJSON(r) {
		out := make([]Export, len(subs))
		for i, s := range subs {
			out[i] = exportOf(s)
		}
		if r.URL.Query().Get("format") == "json" {
			w.Header().Set("Content-Disposition", `attachment; filename="subscriptions.json"`)
		}
		writeJSON(w, http.StatusOK, map[string]any{"email": o.Email, "site": site, "subscriptions": out})
		return
	}
	action := "/sites/" + site + "/subscriptions/"
	l := a.pageLang(r, site, o.Email, "")
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s</p>", strings.Replace(esc(word(l, "page.manage.intro", "\x00")), "\x00", "<strong>"+esc(o.Email)+"</strong>", 1))
	if len(subs) == 0 {
		b.WriteString("<p>" + esc(word(l, "page.manage.none")) + "</p>")
	} else {
		fmt.Fprintf(&b, `<table><caption>%s</caption><thead><tr><th scope="col">%s</th><th scope="col">%s</th><th scope="col">%s</th><th scope="col">%s</th></tr></thead><tbody>`,
			esc(word(l, "page.manage.caption")), esc(word(l, "page.manage.about")), esc(word(l, "page.manage.state")),
			esc(word(l, "page.manage.freq")), esc(word(l, "page.manage.remove")))
		for _, s := range subs {
			about := scopeText(l, s.Scope)
			fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td><form method="post" action="%s"><input type="hidden" name="t" value="%s">`+
				`<input type="hidden" name="action" value="frequency"><input type="hidden" name="scope" value="%s">`+
				`<label>%s <select name="frequency">%s</select></label> <button type="submit">%s</button></form></td>`+
				`<td><form method="post" action="%s"><input type="hidden" name="t" value="%s"><input type="hidden" name="action" value="delete">`+
				`<input type="hidden" name="scope" value="%s"><button type="submit">%s</button></form></td></tr>`,
				esc(about), esc(word(l, "state."+s.State)), esc(action), esc(tok),
				esc(s.Scope), esc(word(l, "page.manage.freqfor", about)), options(l, s.Frequency), esc(word(l, "page.manage.save")),
				esc(action), esc(tok), esc(s.Scope), esc(word(l, "page.manage.unsub", about)))
		}
		b.WriteString("</tbody></table>")
		fmt.Fprintf(&b, `<form method="post" action="%s"><input type="hidden" name="t" value="%s"><input type="hidden" name="action" value="delete-all">`+
			`<p><button type="submit">%s</button></p></form>`, esc(action), esc(tok), esc(word(l, "page.manage.all")))
	}
	fmt.Fprintf(&b, `<p><a href="%s?t=%s&amp;format=json">%s</a></p>`, esc(action), esc(tok), esc(word(l, "page.manage.export")))
	page(w, http.StatusOK, l, word(l, "page.manage.title"), b.String())
}

func options(lang, cur string) string {
	var b strings.Builder
	for _, f := range []string{centre.FreqImmediate, centre.FreqDaily} {
		sel := ""
		if f == cur {
			sel = " selected"
		}
		fmt.Fprintf(&b, `<option value="%s"%s>%s</option>`, f, sel, html.EscapeString(word(lang, "freq."+f)))
	}
	return b.String()
}

func (a *Alerts) serveManageAction(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	o, err := a.OpenManage(site, formToken(r))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	scope := r.PostForm.Get("scope")
	switch r.PostForm.Get("action") {
	case "frequency":
		err = a.SetFrequency(r.Context(), o, scope, r.PostForm.Get("frequency"))
	case "delete":
		if scope == "" {
			err = centre.Errorf(centre.EINVALID, "scope is required")
		} else {
			err = a.Unsubscribe(r.Context(), o, scope)
		}
	case "delete-all":
		err = a.Unsubscribe(r.Context(), o, "")
	default:
		err = centre.Errorf(centre.EINVALID, "action must be frequency, delete or delete-all")
	}
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if wantsJSON(r) {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// Back to the list (303: the browser GETs it).
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/sites/"+site+"/subscriptions/?t="+formToken(r), http.StatusSeeOther)
}

func (a *Alerts) serveUnsubscribePage(w http.ResponseWriter, r *http.Request) {
	site, tok := r.PathValue("site"), r.URL.Query().Get("t")
	o, err := a.OpenUnsubscribe(site, tok)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	l := a.pageLang(r, site, o.Email, o.Scope)
	ask := word(l, "page.unsub.all")
	if o.Scope != "" {
		ask = word(l, "page.unsub.scope", scopeText(l, o.Scope))
	}
	page(w, http.StatusOK, l, word(l, "page.unsub.title"), "<p>"+html.EscapeString(ask)+"</p>"+
		tokenForm("/sites/"+site+"/unsubscribe", tok, word(l, "footer.unsub")))
}

func (a *Alerts) serveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	o, err := a.OpenUnsubscribe(site, formToken(r))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	l := a.pageLang(r, site, o.Email, o.Scope) // before the subscriptions go
	if err := a.Unsubscribe(r.Context(), o, o.Scope); err != nil {
		a.problem(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "unsubscribed"})
		return
	}
	page(w, http.StatusOK, l, word(l, "page.unsubbed.title"), "<p>"+html.EscapeString(word(l, "page.unsubbed.text"))+"</p>")
}
