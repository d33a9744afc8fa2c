package alerts

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// phrase is one text of the emails and of the visitors' pages in each
// language the public site has words in (internal/web's messages:
// English, French, German); a language without its own words gets
// English.
type phrase struct{ key, en, fr, de string }

// words are the phrases, sorted by key (TestWords). They are a table
// rather than a map: a map literal is built at every start, and every
// cold start of the public function paid for this one.
var words = [...]phrase{
	{"change", "What changed: %s", "Ce qui a changé : %s", "Was sich geändert hat: %s"},
	{"confirm.action", "Confirm the subscription", "Confirmer l’abonnement", "Abonnement bestätigen"},
	{"confirm.ignore", "If you did not ask for this, ignore this email: nothing will be sent to you, and the request lapses in 48 hours.", "Si vous n’avez rien demandé, ignorez ce message : rien ne vous sera envoyé et la demande expire dans 48 heures.", "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihnen wird nichts gesendet, und die Anfrage verfällt nach 48 Stunden."},
	{"confirm.intro", "Someone, probably you, asked to receive email alerts from %s about: %s (%s).", "Quelqu’un, sans doute vous, a demandé à recevoir des alertes de %s sur : %s (%s).", "Jemand, wahrscheinlich Sie, möchte E-Mail-Benachrichtigungen von %s erhalten über: %s (%s)."},
	{"confirm.subject", "Confirm your subscription to %s", "Confirmez votre abonnement à %s", "Bestätigen Sie Ihr Abonnement von %s"},
	{"digest.intro", "What %s published or updated since the last summary:", "Ce que %s a publié ou mis à jour depuis le dernier résumé :", "Was %s seit der letzten Zusammenfassung veröffentlicht oder aktualisiert hat:"},
	{"digest.subject", "%s: daily summary of %s", "%s : résumé quotidien du %s", "%s: tägliche Zusammenfassung vom %s"},
	{"footer.manage", "Manage your subscriptions", "Gérer vos abonnements", "Abonnements verwalten"},
	{"footer.unsub", "Unsubscribe", "Se désabonner", "Abbestellen"},
	{"footer.why", "You receive this because you subscribed to %s.", "Vous recevez ce message car vous êtes abonné à %s.", "Sie erhalten diese E-Mail, weil Sie %s abonniert haben."},
	{"freq.daily", "in a daily summary", "dans un résumé quotidien", "in einer täglichen Zusammenfassung"},
	{"freq.immediate", "immediately", "immédiatement", "sofort"},
	{"kind.published", "New", "Nouveau", "Neu"},
	{"kind.updated", "Updated", "Mis à jour", "Aktualisiert"},
	{"page.back", "Back to the site", "Retour au site", "Zurück zur Website"},
	{"page.check.text", "If the address can receive email, a message is on its way to it: follow the link in it to confirm the subscription. Nothing is sent before that.", "Si l’adresse peut recevoir des e-mails, un message lui a été envoyé : suivez son lien pour confirmer l’abonnement. Rien n’est envoyé avant.", "Wenn die Adresse E-Mails empfangen kann, ist eine Nachricht an sie unterwegs: Folgen Sie dem Link darin, um das Abonnement zu bestätigen. Vorher wird nichts gesendet."},
	{"page.check.title", "Check your email", "Consultez votre messagerie", "Prüfen Sie Ihr Postfach"},
	{"page.confirm.text", "One more step: confirm that you want these email alerts.", "Dernière étape : confirmez que vous souhaitez recevoir ces alertes.", "Noch ein Schritt: Bestätigen Sie, dass Sie diese E-Mail-Benachrichtigungen erhalten möchten."},
	{"page.confirm.title", "Confirm your subscription", "Confirmez votre abonnement", "Bestätigen Sie Ihr Abonnement"},
	{"page.confirmed.text", "You will receive email alerts about %s, %s.", "Vous recevrez des alertes sur %s, %s.", "Sie erhalten E-Mail-Benachrichtigungen über %s, %s."},
	{"page.confirmed.title", "Subscription confirmed", "Abonnement confirmé", "Abonnement bestätigt"},
	{"page.confirmed.unsub", "Every email has a link to unsubscribe.", "Chaque e-mail contient un lien de désabonnement.", "Jede E-Mail enthält einen Link zum Abbestellen."},
	{"page.manage.about", "About", "Sujet", "Worüber"},
	{"page.manage.all", "Unsubscribe from everything and delete my address", "Me désabonner de tout et supprimer mon adresse", "Alles abbestellen und meine Adresse löschen"},
	{"page.manage.caption", "Your subscriptions", "Vos abonnements", "Ihre Abonnements"},
	{"page.manage.export", "Export my data (JSON)", "Exporter mes données (JSON)", "Meine Daten exportieren (JSON)"},
	{"page.manage.freq", "How often", "Fréquence", "Wie oft"},
	{"page.manage.freqfor", "How often for %s", "Fréquence pour %s", "Wie oft für %s"},
	{"page.manage.intro", "Email alerts of this site sent to %s.", "Alertes de ce site envoyées à %s.", "Benachrichtigungen dieser Website an %s."},
	{"page.manage.none", "You have no subscriptions on this site.", "Vous n’avez aucun abonnement sur ce site.", "Sie haben auf dieser Website keine Abonnements."},
	{"page.manage.remove", "Remove", "Supprimer", "Entfernen"},
	{"page.manage.save", "Save", "Enregistrer", "Speichern"},
	{"page.manage.state", "State", "État", "Status"},
	{"page.manage.title", "Your email alerts", "Vos alertes par e-mail", "Ihre E-Mail-Benachrichtigungen"},
	{"page.manage.unsub", "Unsubscribe from %s", "Se désabonner de %s", "%s abbestellen"},
	{"page.skip", "Skip to content", "Aller au contenu", "Zum Inhalt springen"},
	{"page.unsub.all", "Stop every email alert of this site?", "Arrêter toutes les alertes de ce site ?", "Alle E-Mail-Benachrichtigungen dieser Website beenden?"},
	{"page.unsub.scope", "Stop email alerts about %s?", "Arrêter les alertes sur %s ?", "E-Mail-Benachrichtigungen über %s beenden?"},
	{"page.unsub.title", "Unsubscribe", "Se désabonner", "Abbestellen"},
	{"page.unsubbed.text", "You will receive no more of these emails.", "Vous ne recevrez plus ces e-mails.", "Sie erhalten keine dieser E-Mails mehr."},
	{"page.unsubbed.title", "Unsubscribed", "Désabonnement effectué", "Abbestellt"},
	{"published", "%s", "%s", "%s"},
	{"read", "Read it on the site", "Lire sur le site", "Auf der Website lesen"},
	{"reason", "Why it was withdrawn: %s", "Motif du retrait : %s", "Grund des Rückzugs: %s"},
	{"scope.entry", "updates to %s", "les mises à jour de %s", "Aktualisierungen von %s"},
	{"scope.org", "the organisation %s", "l’organisation %s", "die Organisation %s"},
	{"scope.site", "everything published", "toutes les publications", "alle Veröffentlichungen"},
	{"scope.tag", "the topic %s", "le thème %s", "das Thema %s"},
	{"scope.type", "%s entries", "les contenus de type %s", "Inhalte vom Typ %s"},
	{"state.confirmed", "confirmed", "confirmé", "bestätigt"},
	{"state.pending", "waiting for confirmation", "en attente de confirmation", "wartet auf Bestätigung"},
	{"superseded", "It is replaced by: %s", "Remplacé par : %s", "Ersetzt durch: %s"},
	{"updated", "Updated: %s", "Mis à jour : %s", "Aktualisiert: %s"},
	{"withdrawn", "Withdrawn: %s", "Retiré : %s", "Zurückgezogen: %s"},
}

// word returns the words of key in lang, formatted with args.
func word(lang, key string, args ...any) string {
	var w string
	if i, ok := slices.BinarySearchFunc(words[:], key, func(p phrase, key string) int { return strings.Compare(p.key, key) }); ok {
		switch p := &words[i]; lang {
		case "fr":
			w = p.fr
		case "de":
			w = p.de
		default:
			w = p.en
		}
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
