package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
)

// The site's own words (navigation, labels, notices) exist in these
// languages. A page in any other language shows them in English, marked
// lang="en" so that screen readers pronounce them right (WCAG 3.1.2).
var messages = map[string]map[string]string{
	"en": {
		"subscribe.site": "Get email alerts", "subscribe.entry": "Get updates about this by email", "subscribe.email": "Email address",
		"subscribe.freq": "How often", "subscribe.immediate": "As it happens", "subscribe.daily": "Daily summary", "subscribe.button": "Subscribe",
		"search": "Search", "search.label": "Search this information centre", "search.intro": "Search the statements, publications, news and pages of this information centre.",
		"search.type": "Type", "search.anytype": "All types", "search.title": "Search: %s",
		"search.count": "%d results", "search.count.one": "1 result", "search.none": "No results.", "search.none.for": "No results for “%s”.",
		"search.suggest": "Did you mean %s?", "search.partial": "No entry holds all of these words; these entries hold some of them, the closest first.",
		"badge.partial":  "Partial match",
		"search.advice":  "Check the spelling, try fewer or more general words, or remove a filter.",
		"search.invalid": "This search could not be run. Dates must be written as 2026-03-31 and the search text must be at most 500 characters.",
		"search.refine":  "Refine the results", "search.bytype": "By type", "search.bytopic": "By topic", "search.all": "All",
		"search.remove": "Remove the filter %s", "search.from": "from %s", "search.to": "until %s",
		"search.prev": "Previous results", "search.next": "More results", "search.of": "Search %s",
		"archived.on":   "This information centre was archived on %s; its information may be out of date.",
		"expired":       "This information expired on %s.",
		"outdated":      "The %s version was updated on %s; this translation may be out of date.",
		"outdated.read": "Read the %s version",
		"preview":       "Preview — not published", "preview.text": "Only people with this link can see this page. What it shows may still change.",
		"preview.notfound": "This preview link is not valid", "preview.notfound.text": "The link may have expired or been revoked. Ask the person who sent it for a new one.",
		"preview.gone": "This entry has been published", "preview.gone.text": "The preview link is no longer needed: the entry is now on the public site.",
		"preview.read": "Read the published entry",
		"alert.info":   "Information", "alert.warning": "Warning", "alert.severe": "Severe warning", "alert.extreme": "Extreme danger",
		"alert.more": "More information", "alert.label": "Urgent information",
		"archived.empty": "This archive holds no entries.",
		"updated.top":    "Updated %s —", "item.updated": "updated %s",
		"skip": "Skip to content", "nav.main": "Main", "nav.langs": "Languages", "nav.pages": "Pages",
		"nav.crumbs": "You are here", "nav.about": "About this site", "share": "Share", "share.email": "Email",
		"share.copy": "Link to this page", "page.contact": "Contact", "page.privacy": "Privacy", "page.accessibility": "Accessibility",
		"tags.all": "Topics", "tags.intro": "Every topic, with the number of entries on it.",
		"organisations.all": "Organisations", "organisations.intro": "Every organisation that published or contributed, with the number of entries.",
		"index.count": "%d entries", "index.count.one": "1 entry",
		"home": "Home", "archived": "This information centre is archived: it is no longer updated.",
		"published.by": "Published by %s.", "contact": "Contact:", "contact.page": "Contact page",
		"feed.atom": "Atom feed", "feed.rss": "RSS feed", "feed.json": "JSON feed", "api.read": "Read API (OpenAPI description)",
		"feed.atom.of": "Atom feed of %s", "feed.rss.of": "RSS feed of %s", "feed.json.of": "JSON feed of %s",
		"statement": "Statement", "publication": "Publication", "news": "News", "page": "Page",
		"statements": "Statements", "publications": "Publications", "newss": "News", "pages": "Pages",
		"latest.statement": "Latest statements", "latest.publication": "Latest publications", "latest.news": "Latest news",
		"all.statement": "All statements", "all.publication": "All publications", "all.news": "All news",
		"pinned": "Important", "empty": "Nothing published yet.", "badge.withdrawn": "Withdrawn",
		"topic": "Topic: %s", "topic.intro": "Everything published on this topic, newest first.",
		"org.intro": "Everything published by or with this organisation, newest first.",
		"newest":    "Newest entries", "older": "Older entries",
		"withdrawn.statement": "This statement was withdrawn on %s", "withdrawn.publication": "This publication was withdrawn on %s",
		"withdrawn.news": "This news update was withdrawn on %s", "withdrawn.page": "This page was withdrawn on %s",
		"replaced.statement": "Read the statement that replaces it", "replaced.publication": "Read the publication that replaces it",
		"replaced.news": "Read the news update that replaces it", "replaced.page": "Read the page that replaces it",
		"type": "Type:", "published": "Published:", "updated": "Last updated:", "org": "Organisation:", "orgs": "Organisations:",
		"documents": "Documents", "download": "Download %s", "pages.1": "1 page", "pages.n": "%s pages",
		"accessible": "Need a document in another format?", "accessible.request": "Request an accessible format", "accessible.subject": "Accessible format: %s", "topics": "Topics", "history": "History",
		"first.published": "first published.", "was.withdrawn": "withdrawn.",
		"notfound": "Page not found", "notfound.text": "There is no page at this address. It may have moved, or the link may be mistyped.",
		"gone": "This page has been removed", "gone.text": "What was published here has been taken down and is no longer available.",
		"badlink": "This page link is not valid. It may have expired.", "go.home": "Go to the home page of %s",
	},
	"fr": {
		"subscribe.site": "Recevoir les alertes par e-mail", "subscribe.entry": "Recevoir les mises à jour de ce contenu par e-mail", "subscribe.email": "Adresse e-mail",
		"subscribe.freq": "Fréquence", "subscribe.immediate": "Dès la publication", "subscribe.daily": "Résumé quotidien", "subscribe.button": "S’abonner",
		"search": "Rechercher", "search.label": "Rechercher dans ce centre d'information", "search.intro": "Recherchez parmi les déclarations, publications, actualités et pages de ce centre d'information.",
		"search.type": "Type", "search.anytype": "Tous les types", "search.title": "Recherche : %s",
		"search.count": "%d résultats", "search.count.one": "1 résultat", "search.none": "Aucun résultat.", "search.none.for": "Aucun résultat pour « %s ».",
		"search.suggest": "Vouliez-vous dire %s ?", "search.partial": "Aucune entrée ne contient tous ces mots ; ces entrées en contiennent une partie, les plus proches d'abord.",
		"badge.partial":  "Correspondance partielle",
		"search.advice":  "Vérifiez l'orthographe, essayez des mots moins nombreux ou plus généraux, ou retirez un filtre.",
		"search.invalid": "Cette recherche n'a pas pu être effectuée. Les dates s'écrivent 2026-03-31 et le texte cherché compte au plus 500 caractères.",
		"search.refine":  "Affiner les résultats", "search.bytype": "Par type", "search.bytopic": "Par thème", "search.all": "Tous",
		"search.remove": "Retirer le filtre %s", "search.from": "à partir du %s", "search.to": "jusqu'au %s",
		"search.prev": "Résultats précédents", "search.next": "Plus de résultats", "search.of": "Rechercher dans %s",
		"archived.on":   "Ce centre d'information a été archivé le %s ; ses informations peuvent ne plus être à jour.",
		"expired":       "Cette information a expiré le %s.",
		"outdated":      "La version en %s a été mise à jour le %s ; cette traduction n'est peut-être plus à jour.",
		"outdated.read": "Lire la version en %s",
		"alert.info":    "Information", "alert.warning": "Avertissement", "alert.severe": "Alerte grave", "alert.extreme": "Danger extrême",
		"alert.more": "En savoir plus", "alert.label": "Information urgente",
		"archived.empty": "Cette archive ne contient aucune entrée.",
		"updated.top":    "Mis à jour le %s —", "item.updated": "mis à jour le %s",
		"preview": "Aperçu — non publié", "preview.text": "Seules les personnes qui ont ce lien voient cette page. Son contenu peut encore changer.",
		"preview.notfound": "Ce lien d'aperçu n'est pas valide", "preview.notfound.text": "Le lien a peut-être expiré ou été révoqué. Demandez-en un nouveau à la personne qui vous l'a envoyé.",
		"preview.gone": "Cette entrée a été publiée", "preview.gone.text": "Le lien d'aperçu n'est plus utile : l'entrée est maintenant sur le site public.",
		"preview.read": "Lire l'entrée publiée",
		"skip":         "Aller au contenu", "nav.main": "Navigation principale", "nav.langs": "Langues", "nav.pages": "Pages",
		"nav.crumbs": "Vous êtes ici", "nav.about": "À propos de ce site", "share": "Partager", "share.email": "E-mail",
		"share.copy": "Lien vers cette page", "page.contact": "Contact", "page.privacy": "Confidentialité", "page.accessibility": "Accessibilité",
		"tags.all": "Thèmes", "tags.intro": "Tous les thèmes, avec le nombre d'entrées de chacun.",
		"organisations.all": "Organisations", "organisations.intro": "Toutes les organisations qui ont publié ou contribué, avec le nombre d'entrées.",
		"index.count": "%d entrées", "index.count.one": "1 entrée",
		"home": "Accueil", "archived": "Ce centre d'information est archivé : il n'est plus mis à jour.",
		"published.by": "Publié par %s.", "contact": "Contact :", "contact.page": "Page de contact",
		"feed.atom": "Flux Atom", "feed.rss": "Flux RSS", "feed.json": "Flux JSON", "api.read": "API de lecture (description OpenAPI)",
		"feed.atom.of": "Flux Atom : %s", "feed.rss.of": "Flux RSS : %s", "feed.json.of": "Flux JSON : %s",
		"statement": "Déclaration", "publication": "Publication", "news": "Actualité", "page": "Page",
		"statements": "Déclarations", "publications": "Publications", "newss": "Actualités", "pages": "Pages",
		"latest.statement": "Dernières déclarations", "latest.publication": "Dernières publications", "latest.news": "Dernières actualités",
		"all.statement": "Toutes les déclarations", "all.publication": "Toutes les publications", "all.news": "Toutes les actualités",
		"pinned": "Important", "empty": "Rien n'a encore été publié.", "badge.withdrawn": "Retiré",
		"topic": "Thème : %s", "topic.intro": "Tout ce qui a été publié sur ce thème, du plus récent au plus ancien.",
		"org.intro": "Tout ce qui a été publié par cette organisation ou avec elle, du plus récent au plus ancien.",
		"newest":    "Les plus récents", "older": "Plus anciens",
		"withdrawn.statement": "Cette déclaration a été retirée le %s", "withdrawn.publication": "Cette publication a été retirée le %s",
		"withdrawn.news": "Cette actualité a été retirée le %s", "withdrawn.page": "Cette page a été retirée le %s",
		"replaced.statement": "Lire la déclaration qui la remplace", "replaced.publication": "Lire la publication qui la remplace",
		"replaced.news": "Lire l'actualité qui la remplace", "replaced.page": "Lire la page qui la remplace",
		"type": "Type :", "published": "Publié le :", "updated": "Mis à jour le :", "org": "Organisation :", "orgs": "Organisations :",
		"documents": "Documents", "download": "Télécharger %s", "pages.1": "1 page", "pages.n": "%s pages",
		"accessible": "Besoin d'un document dans un autre format ?", "accessible.request": "Demander un format accessible", "accessible.subject": "Format accessible : %s", "topics": "Thèmes", "history": "Historique",
		"first.published": "première publication.", "was.withdrawn": "retrait.",
		"notfound": "Page introuvable", "notfound.text": "Il n'y a pas de page à cette adresse. Elle a peut-être été déplacée, ou le lien est erroné.",
		"gone": "Cette page a été supprimée", "gone.text": "Ce qui était publié ici a été retiré et n'est plus disponible.",
		"badlink": "Ce lien de page n'est pas valide. Il a peut-être expiré.", "go.home": "Aller à la page d'accueil de %s",
	},
	"de": {
		"subscribe.site": "E-Mail-Benachrichtigungen erhalten", "subscribe.entry": "Aktualisierungen hierzu per E-Mail erhalten", "subscribe.email": "E-Mail-Adresse",
		"subscribe.freq": "Wie oft", "subscribe.immediate": "Sofort", "subscribe.daily": "Tägliche Zusammenfassung", "subscribe.button": "Abonnieren",
		"search": "Suche", "search.label": "Dieses Informationszentrum durchsuchen", "search.intro": "Durchsuchen Sie die Stellungnahmen, Veröffentlichungen, Meldungen und Seiten dieses Informationszentrums.",
		"search.type": "Art", "search.anytype": "Alle Arten", "search.title": "Suche: %s",
		"search.count": "%d Ergebnisse", "search.count.one": "1 Ergebnis", "search.none": "Keine Ergebnisse.", "search.none.for": "Keine Ergebnisse für „%s“.",
		"search.suggest": "Meinten Sie %s?", "search.partial": "Kein Eintrag enthält alle diese Wörter; diese Einträge enthalten einige davon, die passendsten zuerst.",
		"badge.partial":  "Teilweise Übereinstimmung",
		"search.advice":  "Prüfen Sie die Schreibweise, versuchen Sie weniger oder allgemeinere Wörter, oder entfernen Sie einen Filter.",
		"search.invalid": "Diese Suche konnte nicht ausgeführt werden. Daten werden als 2026-03-31 geschrieben, und der Suchtext hat höchstens 500 Zeichen.",
		"search.refine":  "Ergebnisse eingrenzen", "search.bytype": "Nach Art", "search.bytopic": "Nach Thema", "search.all": "Alle",
		"search.remove": "Filter %s entfernen", "search.from": "ab %s", "search.to": "bis %s",
		"search.prev": "Vorherige Ergebnisse", "search.next": "Weitere Ergebnisse", "search.of": "%s durchsuchen",
		"archived.on":   "Dieses Informationszentrum wurde am %s archiviert; seine Informationen sind möglicherweise nicht mehr aktuell.",
		"expired":       "Diese Information ist am %s abgelaufen.",
		"outdated":      "Die Fassung auf %s wurde am %s aktualisiert; diese Übersetzung ist möglicherweise nicht mehr aktuell.",
		"outdated.read": "Zur Fassung auf %s",
		"alert.info":    "Information", "alert.warning": "Warnung", "alert.severe": "Schwere Warnung", "alert.extreme": "Extreme Gefahr",
		"alert.more": "Mehr erfahren", "alert.label": "Dringende Information",
		"archived.empty": "Dieses Archiv enthält keine Einträge.",
		"updated.top":    "Aktualisiert am %s —", "item.updated": "aktualisiert am %s",
		"preview": "Vorschau — nicht veröffentlicht", "preview.text": "Nur wer diesen Link hat, sieht diese Seite. Ihr Inhalt kann sich noch ändern.",
		"preview.notfound": "Dieser Vorschaulink ist ungültig", "preview.notfound.text": "Der Link ist vielleicht abgelaufen oder wurde widerrufen. Bitten Sie die Person, die ihn geschickt hat, um einen neuen.",
		"preview.gone": "Dieser Eintrag wurde veröffentlicht", "preview.gone.text": "Der Vorschaulink wird nicht mehr gebraucht: Der Eintrag steht jetzt auf der öffentlichen Website.",
		"preview.read": "Zum veröffentlichten Eintrag",
		"skip":         "Zum Inhalt springen", "nav.main": "Hauptnavigation", "nav.langs": "Sprachen", "nav.pages": "Seiten",
		"nav.crumbs": "Sie sind hier", "nav.about": "Über diese Website", "share": "Teilen", "share.email": "E-Mail",
		"share.copy": "Link zu dieser Seite", "page.contact": "Kontakt", "page.privacy": "Datenschutz", "page.accessibility": "Barrierefreiheit",
		"tags.all": "Themen", "tags.intro": "Alle Themen mit der Zahl ihrer Einträge.",
		"organisations.all": "Organisationen", "organisations.intro": "Alle Organisationen, die veröffentlicht oder beigetragen haben, mit der Zahl ihrer Einträge.",
		"index.count": "%d Einträge", "index.count.one": "1 Eintrag",
		"home": "Startseite", "archived": "Dieses Informationszentrum ist archiviert und wird nicht mehr aktualisiert.",
		"published.by": "Herausgegeben von %s.", "contact": "Kontakt:", "contact.page": "Kontaktseite",
		"feed.atom": "Atom-Feed", "feed.rss": "RSS-Feed", "feed.json": "JSON-Feed", "api.read": "Lese-API (OpenAPI-Beschreibung)",
		"feed.atom.of": "Atom-Feed: %s", "feed.rss.of": "RSS-Feed: %s", "feed.json.of": "JSON-Feed: %s",
		"statement": "Stellungnahme", "publication": "Veröffentlichung", "news": "Meldung", "page": "Seite",
		"statements": "Stellungnahmen", "publications": "Veröffentlichungen", "newss": "Meldungen", "pages": "Seiten",
		"latest.statement": "Neueste Stellungnahmen", "latest.publication": "Neueste Veröffentlichungen", "latest.news": "Neueste Meldungen",
		"all.statement": "Alle Stellungnahmen", "all.publication": "Alle Veröffentlichungen", "all.news": "Alle Meldungen",
		"pinned": "Wichtig", "empty": "Noch nichts veröffentlicht.", "badge.withdrawn": "Zurückgezogen",
		"topic": "Thema: %s", "topic.intro": "Alles, was zu diesem Thema veröffentlicht wurde, das Neueste zuerst.",
		"org.intro": "Alles, was von oder mit dieser Organisation veröffentlicht wurde, das Neueste zuerst.",
		"newest":    "Neueste Einträge", "older": "Ältere Einträge",
		"withdrawn.statement": "Diese Stellungnahme wurde am %s zurückgezogen", "withdrawn.publication": "Diese Veröffentlichung wurde am %s zurückgezogen",
		"withdrawn.news": "Diese Meldung wurde am %s zurückgezogen", "withdrawn.page": "Diese Seite wurde am %s zurückgezogen",
		"replaced.statement": "Zur Stellungnahme, die sie ersetzt", "replaced.publication": "Zur Veröffentlichung, die sie ersetzt",
		"replaced.news": "Zur Meldung, die sie ersetzt", "replaced.page": "Zur Seite, die sie ersetzt",
		"type": "Art:", "published": "Veröffentlicht:", "updated": "Zuletzt aktualisiert:", "org": "Organisation:", "orgs": "Organisationen:",
		"documents": "Dokumente", "download": "%s herunterladen", "pages.1": "1 Seite", "pages.n": "%s Seiten",
		"accessible": "Brauchen Sie ein Dokument in einem anderen Format?", "accessible.request": "Barrierefreies Format anfragen", "accessible.subject": "Barrierefreies Format: %s", "topics": "Themen", "history": "Verlauf",
		"first.published": "erstmals veröffentlicht.", "was.withdrawn": "zurückgezogen.",
		"notfound": "Seite nicht gefunden", "notfound.text": "Unter dieser Adresse gibt es keine Seite. Sie wurde vielleicht verschoben, oder der Link ist fehlerhaft.",
		"gone": "Diese Seite wurde entfernt", "gone.text": "Was hier veröffentlicht war, wurde entfernt und ist nicht mehr verfügbar.",
		"badlink": "Dieser Seitenlink ist ungültig. Er ist vielleicht abgelaufen.", "go.home": "Zur Startseite von %s",
	},
}

var months = map[string][12]string{
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
}

// uiLang returns the language of the site's own words on a page in lang.
func uiLang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if _, ok := messages[base]; ok {
		return base
	}
	return "en"
}

// msg returns the message key in ui, formatted with args.
func msg(ui, key string, args ...any) string {
	s, ok := messages[ui][key]
	if !ok {
		s = messages["en"][key]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// msgHTML formats message key with args that may be HTML (template.HTML is
// kept, anything else escaped).
func msgHTML(ui, key string, args ...any) template.HTML {
	parts := strings.Split(msg(ui, key), "%s")
	var b strings.Builder
	for i, p := range parts {
		b.WriteString(template.HTMLEscapeString(p))
		if i < len(parts)-1 && i < len(args) {
			switch a := args[i].(type) {
			case template.HTML:
				b.WriteString(string(a))
			default:
				b.WriteString(template.HTMLEscapeString(fmt.Sprint(a)))
			}
		}
	}
	return template.HTML(b.String()) // #nosec G203 -- every part escaped above
}

// formatDate writes the date of t, in t's time zone, the way readers of ui
// expect.
func formatDate(ui string, t time.Time) string {
	m := months[ui]
	if m[0] == "" {
		m, ui = months["en"], "en"
	}
	day, month, year := t.Day(), m[t.Month()-1], strconv.Itoa(t.Year())
	switch ui {
	case "fr":
		d := strconv.Itoa(day)
		if day == 1 {
			d = "1er"
		}
		return d + " " + month + " " + year
	case "de":
		return strconv.Itoa(day) + ". " + month + " " + year
	}
	return strconv.Itoa(day) + " " + month + " " + year
}

// formatDateTime writes the date and time (hours and minutes) of t, in
// t's time zone: "30 November 2026, 14:05".
func formatDateTime(ui string, t time.Time) string {
	return formatDate(ui, t) + ", " + t.Format("15:04")
}

// timeHTML is a <time> element for t, shown with its date and time in t's
// time zone (callers put times in the site's zone: req.in), its datetime
// attribute carrying the offset.
func timeHTML(ui string, t time.Time) template.HTML {
	return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `">` + // #nosec G203 -- fixed format
		template.HTMLEscapeString(formatDateTime(ui, t)) + `</time>`)
}

// archivedNotice is the plain-text notice of a site archived at at (which
// may be zero) in language ui.
func archivedNotice(ui string, at time.Time) string {
	if at.IsZero() {
		return msg(ui, "archived")
	}
	return msg(ui, "archived.on", formatDateTime(ui, at))
}
