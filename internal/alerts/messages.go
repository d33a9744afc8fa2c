package alerts

import (
	"fmt"
	"html"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// The words of the emails and of the visitors' pages, in the languages the
// public site has words in (internal/web's messages: English, French,
// German); a language without its own words gets English.
var words = map[string]map[string]string{
	"en": {
		"confirm.subject":      "Confirm your subscription to %s",
		"confirm.intro":        "Someone, probably you, asked to receive email alerts from %s about: %s (%s).",
		"confirm.action":       "Confirm the subscription",
		"confirm.ignore":       "If you did not ask for this, ignore this email: nothing will be sent to you, and the request lapses in 48 hours.",
		"published":            "%s",
		"updated":              "Updated: %s",
		"withdrawn":            "Withdrawn: %s",
		"read":                 "Read it on the site",
		"change":               "What changed: %s",
		"reason":               "Why it was withdrawn: %s",
		"superseded":           "It is replaced by: %s",
		"digest.subject":       "%s: daily summary of %s",
		"digest.intro":         "What %s published or updated since the last summary:",
		"footer.why":           "You receive this because you subscribed to %s.",
		"footer.manage":        "Manage your subscriptions",
		"footer.unsub":         "Unsubscribe",
		"scope.site":           "everything published",
		"scope.type":           "%s entries",
		"scope.tag":            "the topic %s",
		"scope.org":            "the organisation %s",
		"scope.entry":          "updates to %s",
		"freq.immediate":       "immediately",
		"freq.daily":           "in a daily summary",
		"kind.updated":         "Updated",
		"kind.published":       "New",
		"page.skip":            "Skip to content",
		"page.check.title":     "Check your email",
		"page.check.text":      "If the address can receive email, a message is on its way to it: follow the link in it to confirm the subscription. Nothing is sent before that.",
		"page.back":            "Back to the site",
		"page.confirm.title":   "Confirm your subscription",
		"page.confirm.text":    "One more step: confirm that you want these email alerts.",
		"page.confirmed.title": "Subscription confirmed",
		"page.confirmed.text":  "You will receive email alerts about %s, %s.",
		"page.confirmed.unsub": "Every email has a link to unsubscribe.",
		"page.manage.title":    "Your email alerts",
		"page.manage.intro":    "Email alerts of this site sent to %s.",
		"page.manage.none":     "You have no subscriptions on this site.",
		"page.manage.caption":  "Your subscriptions",
		"page.manage.about":    "About",
		"page.manage.state":    "State",
		"page.manage.freq":     "How often",
		"page.manage.remove":   "Remove",
		"page.manage.freqfor":  "How often for %s",
		"page.manage.save":     "Save",
		"page.manage.unsub":    "Unsubscribe from %s",
		"page.manage.all":      "Unsubscribe from everything and delete my address",
		"page.manage.export":   "Export my data (JSON)",
		"page.unsub.title":     "Unsubscribe",
		"page.unsub.all":       "Stop every email alert of this site?",
		"page.unsub.scope":     "Stop email alerts about %s?",
		"page.unsubbed.title":  "Unsubscribed",
		"page.unsubbed.text":   "You will receive no more of these emails.",
		"state.pending":        "waiting for confirmation",
		"state.confirmed":      "confirmed",
	},
	"fr": {
		"confirm.subject":      "Confirmez votre abonnement à %s",
		"confirm.intro":        "Quelqu’un, sans doute vous, a demandé à recevoir des alertes de %s sur : %s (%s).",
		"confirm.action":       "Confirmer l’abonnement",
		"confirm.ignore":       "Si vous n’avez rien demandé, ignorez ce message : rien ne vous sera envoyé et la demande expire dans 48 heures.",
		"published":            "%s",
		"updated":              "Mis à jour : %s",
		"withdrawn":            "Retiré : %s",
		"read":                 "Lire sur le site",
		"change":               "Ce qui a changé : %s",
		"reason":               "Motif du retrait : %s",
		"superseded":           "Remplacé par : %s",
		"digest.subject":       "%s : résumé quotidien du %s",
		"digest.intro":         "Ce que %s a publié ou mis à jour depuis le dernier résumé :",
		"footer.why":           "Vous recevez ce message car vous êtes abonné à %s.",
		"footer.manage":        "Gérer vos abonnements",
		"footer.unsub":         "Se désabonner",
		"scope.site":           "toutes les publications",
		"scope.type":           "les contenus de type %s",
		"scope.tag":            "le thème %s",
		"scope.org":            "l’organisation %s",
		"scope.entry":          "les mises à jour de %s",
		"freq.immediate":       "immédiatement",
		"freq.daily":           "dans un résumé quotidien",
		"kind.updated":         "Mis à jour",
		"kind.published":       "Nouveau",
		"page.skip":            "Aller au contenu",
		"page.check.title":     "Consultez votre messagerie",
		"page.check.text":      "Si l’adresse peut recevoir des e-mails, un message lui a été envoyé : suivez son lien pour confirmer l’abonnement. Rien n’est envoyé avant.",
		"page.back":            "Retour au site",
		"page.confirm.title":   "Confirmez votre abonnement",
		"page.confirm.text":    "Dernière étape : confirmez que vous souhaitez recevoir ces alertes.",
		"page.confirmed.title": "Abonnement confirmé",
		"page.confirmed.text":  "Vous recevrez des alertes sur %s, %s.",
		"page.confirmed.unsub": "Chaque e-mail contient un lien de désabonnement.",
		"page.manage.title":    "Vos alertes par e-mail",
		"page.manage.intro":    "Alertes de ce site envoyées à %s.",
		"page.manage.none":     "Vous n’avez aucun abonnement sur ce site.",
		"page.manage.caption":  "Vos abonnements",
		"page.manage.about":    "Sujet",
		"page.manage.state":    "État",
		"page.manage.freq":     "Fréquence",
		"page.manage.remove":   "Supprimer",
		"page.manage.freqfor":  "Fréquence pour %s",
		"page.manage.save":     "Enregistrer",
		"page.manage.unsub":    "Se désabonner de %s",
		"page.manage.all":      "Me désabonner de tout et supprimer mon adresse",
		"page.manage.export":   "Exporter mes données (JSON)",
		"page.unsub.title":     "Se désabonner",
		"page.unsub.all":       "Arrêter toutes les alertes de ce site ?",
		"page.unsub.scope":     "Arrêter les alertes sur %s ?",
		"page.unsubbed.title":  "Désabonnement effectué",
		"page.unsubbed.text":   "Vous ne recevrez plus ces e-mails.",
		"state.pending":        "en attente de confirmation",
		"state.confirmed":      "confirmé",
	},
	"de": {
		"confirm.subject":      "Bestätigen Sie Ihr Abonnement von %s",
		"confirm.intro":        "Jemand, wahrscheinlich Sie, möchte E-Mail-Benachrichtigungen von %s erhalten über: %s (%s).",
		"confirm.action":       "Abonnement bestätigen",
		"confirm.ignore":       "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihnen wird nichts gesendet, und die Anfrage verfällt nach 48 Stunden.",
		"published":            "%s",
		"updated":              "Aktualisiert: %s",
		"withdrawn":            "Zurückgezogen: %s",
		"read":                 "Auf der Website lesen",
		"change":               "Was sich geändert hat: %s",
		"reason":               "Grund des Rückzugs: %s",
		"superseded":           "Ersetzt durch: %s",
		"digest.subject":       "%s: tägliche Zusammenfassung vom %s",
		"digest.intro":         "Was %s seit der letzten Zusammenfassung veröffentlicht oder aktualisiert hat:",
		"footer.why":           "Sie erhalten diese E-Mail, weil Sie %s abonniert haben.",
		"footer.manage":        "Abonnements verwalten",
		"footer.unsub":         "Abbestellen",
		"scope.site":           "alle Veröffentlichungen",
		"scope.type":           "Inhalte vom Typ %s",
		"scope.tag":            "das Thema %s",
		"scope.org":            "die Organisation %s",
		"scope.entry":          "Aktualisierungen von %s",
		"freq.immediate":       "sofort",
		"freq.daily":           "in einer täglichen Zusammenfassung",
		"kind.updated":         "Aktualisiert",
		"kind.published":       "Neu",
		"page.skip":            "Zum Inhalt springen",
		"page.check.title":     "Prüfen Sie Ihr Postfach",
		"page.check.text":      "Wenn die Adresse E-Mails empfangen kann, ist eine Nachricht an sie unterwegs: Folgen Sie dem Link darin, um das Abonnement zu bestätigen. Vorher wird nichts gesendet.",
		"page.back":            "Zurück zur Website",
		"page.confirm.title":   "Bestätigen Sie Ihr Abonnement",
		"page.confirm.text":    "Noch ein Schritt: Bestätigen Sie, dass Sie diese E-Mail-Benachrichtigungen erhalten möchten.",
		"page.confirmed.title": "Abonnement bestätigt",
		"page.confirmed.text":  "Sie erhalten E-Mail-Benachrichtigungen über %s, %s.",
		"page.confirmed.unsub": "Jede E-Mail enthält einen Link zum Abbestellen.",
		"page.manage.title":    "Ihre E-Mail-Benachrichtigungen",
		"page.manage.intro":    "Benachrichtigungen dieser Website an %s.",
		"page.manage.none":     "Sie haben auf dieser Website keine Abonnements.",
		"page.manage.caption":  "Ihre Abonnements",
		"page.manage.about":    "Worüber",
		"page.manage.state":    "Status",
		"page.manage.freq":     "Wie oft",
		"page.manage.remove":   "Entfernen",
		"page.manage.freqfor":  "Wie oft für %s",
		"page.manage.save":     "Speichern",
		"page.manage.unsub":    "%s abbestellen",
		"page.manage.all":      "Alles abbestellen und meine Adresse löschen",
		"page.manage.export":   "Meine Daten exportieren (JSON)",
		"page.unsub.title":     "Abbestellen",
		"page.unsub.all":       "Alle E-Mail-Benachrichtigungen dieser Website beenden?",
		"page.unsub.scope":     "E-Mail-Benachrichtigungen über %s beenden?",
		"page.unsubbed.title":  "Abbestellt",
		"page.unsubbed.text":   "Sie erhalten keine dieser E-Mails mehr.",
		"state.pending":        "wartet auf Bestätigung",
		"state.confirmed":      "bestätigt",
	},
}

// word returns the words of key in lang, formatted with args.
func word(lang, key string, args ...any) string {
	w, ok := words[lang][key]
	if !ok {
		w = words["en"][key]
	}
	if len(args) == 0 {
		return w
	}
	return fmt.Sprintf(w, args...)
}

// scopeText describes a scope in lang.
func scopeText(lang, scope string) string {
	kind, value, _ := strings.Cut(scope, ":")
	switch kind {
	case centre.ScopeType:
		return word(lang, "scope.type", value)
	case centre.ScopeTag:
		return word(lang, "scope.tag", value)
	case centre.ScopeOrganisation:
		return word(lang, "scope.org", value)
	case centre.ScopeEntry:
		return word(lang, "scope.entry", value)
	}
	return word(lang, "scope.site")
}

// body builds the text and HTML parts from paragraphs: each is text, or a
// link (href set).
type para struct{ text, href string }

func render(lang, title string, ps []para) (text, htm string) {
	var t, h strings.Builder
	h.WriteString(`<!doctype html><html lang="` + html.EscapeString(lang) + `"><head><meta charset="utf-8"><title>` +
		html.EscapeString(title) + `</title></head><body style="font-family:sans-serif;line-height:1.5;max-width:40em">`)
	for _, p := range ps {
		switch {
		case p.href != "":
			fmt.Fprintf(&t, "%s:\n%s\n\n", p.text, p.href)
			fmt.Fprintf(&h, `<p><a href="%s">%s</a></p>`, html.EscapeString(p.href), html.EscapeString(p.text))
		case p.text == "":
			t.WriteString("--\n")
			h.WriteString("<hr>")
		default:
			t.WriteString(p.text + "\n\n")
			h.WriteString("<p>" + html.EscapeString(p.text) + "</p>")
		}
	}
	h.WriteString("</body></html>")
	return t.String(), h.String()
}

func (a *Alerts) message(lang, to, subject, unsub string, ps []para) *Message {
	text, htm := render(lang, subject, ps)
	return &Message{From: a.From, To: to, Subject: subject, Text: text, HTML: htm, Unsubscribe: unsub, Lang: lang, Date: a.Now()}
}

func (a *Alerts) confirmMessage(site *centre.Site, sub *centre.Subscription, link string) *Message {
	l := sub.Lang
	return a.message(l, sub.Email, word(l, "confirm.subject", site.Title), "", []para{
		{text: word(l, "confirm.intro", site.Title, scopeText(l, sub.Scope), word(l, "freq."+sub.Frequency))},
		{text: word(l, "confirm.action"), href: link},
		{text: word(l, "confirm.ignore")},
	})
}

// entryURL returns the absolute URL of an entry's page.
func (a *Alerts) entryURL(site *centre.Site, lang, slug string) string {
	return a.Base(site) + "/" + lang + "/" + slug + "/"
}

// footer is what ends every alert: why, manage, unsubscribe.
func (a *Alerts) footer(site *centre.Site, lang, email, scope, unsub string) []para {
	why := scopeText(lang, scope)
	if scope == "" {
		why = site.Title
	}
	return []para{{}, {text: word(lang, "footer.why", why)},
		{text: word(lang, "footer.manage"), href: a.ManageURL(site, email)},
		{text: word(lang, "footer.unsub"), href: unsub}}
}

// entryMessage is the email of one notification about e to email, for its
// subscription to scope ("" for a withdrawal, whose unsubscribe link ends
// every subscription on the site).
func (a *Alerts) entryMessage(site *centre.Site, e *centre.Entry, kind, email, scope string) *Message {
	l := e.Lang
	var subject string
	ps := []para{{text: e.Title}}
	if e.Summary != "" {
		ps = append(ps, para{text: e.Summary})
	}
	switch kind {
	case centre.NotifyUpdated:
		subject = word(l, "updated", e.Title)
		if note := changeNote(e); note != "" {
			ps = append(ps, para{text: word(l, "change", note)})
		}
	case centre.NotifyWithdrawn:
		subject = word(l, "withdrawn", e.Title)
		if e.WithdrawnReason != "" {
			ps = append(ps, para{text: word(l, "reason", e.WithdrawnReason)})
		}
		if e.SupersededBy != "" {
			u := a.entryURL(site, l, e.SupersededBy)
			ps = append(ps, para{text: word(l, "superseded", u)})
		}
	default:
		subject = word(l, "published", e.Title)
	}
	ps = append(ps, para{text: word(l, "read"), href: a.entryURL(site, l, e.Slug)})
	unsub := a.UnsubscribeURL(site, email, scope)
	ps = append(ps, a.footer(site, l, email, scope, unsub)...)
	m := a.message(l, email, subject, unsub, ps)
	return m
}

// changeNote returns the public note of the entry's last major change.
func changeNote(e *centre.Entry) string {
	if e.LastChange.Note != "" {
		return e.LastChange.Note
	}
	if n := len(e.ChangeNotes); n > 0 {
		return e.ChangeNotes[n-1].Note
	}
	return ""
}

func (a *Alerts) digestMessage(site *centre.Site, email string, entries []digestEntry, due time.Time) *Message {
	l := entries[0].e.Lang
	ps := []para{{text: word(l, "digest.intro", site.Title)}}
	for _, d := range entries {
		label := word(l, "kind.published")
		if d.kind == centre.NotifyUpdated {
			label = word(l, "kind.updated")
		}
		ps = append(ps, para{text: label + ": " + d.e.Title, href: a.entryURL(site, d.e.Lang, d.e.Slug)})
		if note := changeNote(d.e); d.kind == centre.NotifyUpdated && note != "" {
			ps = append(ps, para{text: word(l, "change", note)})
		}
	}
	unsub := a.UnsubscribeURL(site, email, "")
	ps = append(ps, a.footer(site, l, email, "", unsub)...)
	return a.message(l, email, word(l, "digest.subject", site.Title, due.Format("2006-01-02")), unsub, ps)
}
