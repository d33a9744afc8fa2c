package web

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
)

// message is one of the site's own words (navigation, labels, notices)
// in each language the site has its words in (messageLangs). A page in
// any other language shows them in English, marked lang="en" so that
// screen readers pronounce them right (WCAG 3.1.2).
type message struct{ key, en, fr, de string }

// messageLangs are the languages of message, sorted.
var messageLangs = [...]string{"de", "en", "fr"}

// messages are the site's own words, sorted by key (TestMessages). They
// are a table rather than a map: a map literal is built at every start,
// and every cold start of the public function paid for this one.
var messages = [...]message{
	{"accessible", "Need a document in another format?", "Besoin d'un document dans un autre format ?", "Brauchen Sie ein Dokument in einem anderen Format?"},
	{"accessible.request", "Request an accessible format", "Demander un format accessible", "Barrierefreies Format anfragen"},
	{"accessible.subject", "Accessible format: %s", "Format accessible : %s", "Barrierefreies Format: %s"},
	{"alert.extreme", "Extreme danger", "Danger extrême", "Extreme Gefahr"},
	{"alert.info", "Information", "Information", "Information"},
	{"alert.label", "Urgent information", "Information urgente", "Dringende Information"},
	{"alert.more", "More information", "En savoir plus", "Mehr erfahren"},
	{"alert.severe", "Severe warning", "Alerte grave", "Schwere Warnung"},
	{"alert.warning", "Warning", "Avertissement", "Warnung"},
	{"all.news", "All news", "Toutes les actualités", "Alle Meldungen"},
	{"all.publication", "All publications", "Toutes les publications", "Alle Veröffentlichungen"},
	{"all.statement", "All statements", "Toutes les déclarations", "Alle Stellungnahmen"},
	{"api.read", "Read API (OpenAPI description)", "API de lecture (description OpenAPI)", "Lese-API (OpenAPI-Beschreibung)"},
	{"archived", "This information centre is archived: it is no longer updated.", "Ce centre d'information est archivé : il n'est plus mis à jour.", "Dieses Informationszentrum ist archiviert und wird nicht mehr aktualisiert."},
	{"archived.empty", "This archive holds no entries.", "Cette archive ne contient aucune entrée.", "Dieses Archiv enthält keine Einträge."},
	{"archived.on", "This information centre was archived on %s; its information may be out of date.", "Ce centre d'information a été archivé le %s ; ses informations peuvent ne plus être à jour.", "Dieses Informationszentrum wurde am %s archiviert; seine Informationen sind möglicherweise nicht mehr aktuell."},
	{"badge.partial", "Partial match", "Correspondance partielle", "Teilweise Übereinstimmung"},
	{"badge.withdrawn", "Withdrawn", "Retiré", "Zurückgezogen"},
	{"badlink", "This page link is not valid. It may have expired.", "Ce lien de page n'est pas valide. Il a peut-être expiré.", "Dieser Seitenlink ist ungültig. Er ist vielleicht abgelaufen."},
	{"contact", "Contact:", "Contact :", "Kontakt:"},
	{"contact.page", "Contact page", "Page de contact", "Kontaktseite"},
	{"documents", "Documents", "Documents", "Dokumente"},
	{"download", "Download %s", "Télécharger %s", "%s herunterladen"},
	{"empty", "Nothing published yet.", "Rien n'a encore été publié.", "Noch nichts veröffentlicht."},
	{"expired", "This information expired on %s.", "Cette information a expiré le %s.", "Diese Information ist am %s abgelaufen."},
	{"feed.atom", "Atom feed", "Flux Atom", "Atom-Feed"},
	{"feed.atom.of", "Atom feed of %s", "Flux Atom : %s", "Atom-Feed: %s"},
	{"feed.json", "JSON feed", "Flux JSON", "JSON-Feed"},
	{"feed.json.of", "JSON feed of %s", "Flux JSON : %s", "JSON-Feed: %s"},
	{"feed.rss", "RSS feed", "Flux RSS", "RSS-Feed"},
	{"feed.rss.of", "RSS feed of %s", "Flux RSS : %s", "RSS-Feed: %s"},
	{"first.published", "first published.", "première publication.", "erstmals veröffentlicht."},
	{"go.home", "Go to the home page of %s", "Aller à la page d'accueil de %s", "Zur Startseite von %s"},
	{"gone", "This page has been removed", "Cette page a été supprimée", "Diese Seite wurde entfernt"},
	{"gone.text", "What was published here has been taken down and is no longer available.", "Ce qui était publié ici a été retiré et n'est plus disponible.", "Was hier veröffentlicht war, wurde entfernt und ist nicht mehr verfügbar."},
	{"history", "History", "Historique", "Verlauf"},
	{"home", "Home", "Accueil", "Startseite"},
	{"index.count", "%d entries", "%d entrées", "%d Einträge"},
	{"index.count.one", "1 entry", "1 entrée", "1 Eintrag"},
	{"item.updated", "updated %s", "mis à jour le %s", "aktualisiert am %s"},
	{"latest.news", "Latest news", "Dernières actualités", "Neueste Meldungen"},
	{"latest.publication", "Latest publications", "Dernières publications", "Neueste Veröffentlichungen"},
	{"latest.statement", "Latest statements", "Dernières déclarations", "Neueste Stellungnahmen"},
	{"nav.about", "About this site", "À propos de ce site", "Über diese Website"},
	{"nav.crumbs", "You are here", "Vous êtes ici", "Sie sind hier"},
	{"nav.langs", "Languages", "Langues", "Sprachen"},
	{"nav.main", "Main", "Navigation principale", "Hauptnavigation"},
	{"nav.pages", "Pages", "Pages", "Seiten"},
	{"newest", "Newest entries", "Les plus récents", "Neueste Einträge"},
	{"news", "News", "Actualité", "Meldung"},
	{"newss", "News", "Actualités", "Meldungen"},
	{"notfound", "Page not found", "Page introuvable", "Seite nicht gefunden"},
	{"notfound.text", "There is no page at this address. It may have moved, or the link may be mistyped.", "Il n'y a pas de page à cette adresse. Elle a peut-être été déplacée, ou le lien est erroné.", "Unter dieser Adresse gibt es keine Seite. Sie wurde vielleicht verschoben, oder der Link ist fehlerhaft."},
	{"older", "Older entries", "Plus anciens", "Ältere Einträge"},
	{"org", "Organisation:", "Organisation :", "Organisation:"},
	{"org.intro", "Everything published by or with this organisation, newest first.", "Tout ce qui a été publié par cette organisation ou avec elle, du plus récent au plus ancien.", "Alles, was von oder mit dieser Organisation veröffentlicht wurde, das Neueste zuerst."},
	{"organisations.all", "Organisations", "Organisations", "Organisationen"},
	{"organisations.intro", "Every organisation that published or contributed, with the number of entries.", "Toutes les organisations qui ont publié ou contribué, avec le nombre d'entrées.", "Alle Organisationen, die veröffentlicht oder beigetragen haben, mit der Zahl ihrer Einträge."},
	{"orgs", "Organisations:", "Organisations :", "Organisationen:"},
	{"outdated", "The %s version was updated on %s; this translation may be out of date.", "La version en %s a été mise à jour le %s ; cette traduction n'est peut-être plus à jour.", "Die Fassung auf %s wurde am %s aktualisiert; diese Übersetzung ist möglicherweise nicht mehr aktuell."},
	{"outdated.read", "Read the %s version", "Lire la version en %s", "Zur Fassung auf %s"},
	{"page", "Page", "Page", "Seite"},
	{"page.accessibility", "Accessibility", "Accessibilité", "Barrierefreiheit"},
	{"page.contact", "Contact", "Contact", "Kontakt"},
	{"page.privacy", "Privacy", "Confidentialité", "Datenschutz"},
	{"pages", "Pages", "Pages", "Seiten"},
	{"pages.1", "1 page", "1 page", "1 Seite"},
	{"pages.n", "%s pages", "%s pages", "%s Seiten"},
	{"pinned", "Important", "Important", "Wichtig"},
	{"preview", "Preview — not published", "Aperçu — non publié", "Vorschau — nicht veröffentlicht"},
	{"preview.gone", "This entry has been published", "Cette entrée a été publiée", "Dieser Eintrag wurde veröffentlicht"},
	{"preview.gone.text", "The preview link is no longer needed: the entry is now on the public site.", "Le lien d'aperçu n'est plus utile : l'entrée est maintenant sur le site public.", "Der Vorschaulink wird nicht mehr gebraucht: Der Eintrag steht jetzt auf der öffentlichen Website."},
	{"preview.notfound", "This preview link is not valid", "Ce lien d'aperçu n'est pas valide", "Dieser Vorschaulink ist ungültig"},
	{"preview.notfound.text", "The link may have expired or been revoked. Ask the person who sent it for a new one.", "Le lien a peut-être expiré ou été révoqué. Demandez-en un nouveau à la personne qui vous l'a envoyé.", "Der Link ist vielleicht abgelaufen oder wurde widerrufen. Bitten Sie die Person, die ihn geschickt hat, um einen neuen."},
	{"preview.read", "Read the published entry", "Lire l'entrée publiée", "Zum veröffentlichten Eintrag"},
	{"preview.text", "Only people with this link can see this page. What it shows may still change.", "Seules les personnes qui ont ce lien voient cette page. Son contenu peut encore changer.", "Nur wer diesen Link hat, sieht diese Seite. Ihr Inhalt kann sich noch ändern."},
	{"publication", "Publication", "Publication", "Veröffentlichung"},
	{"publications", "Publications", "Publications", "Veröffentlichungen"},
	{"published", "Published:", "Publié le :", "Veröffentlicht:"},
	{"published.by", "Published by %s.", "Publié par %s.", "Herausgegeben von %s."},
	{"replaced.news", "Read the news update that replaces it", "Lire l'actualité qui la remplace", "Zur Meldung, die sie ersetzt"},
	{"replaced.page", "Read the page that replaces it", "Lire la page qui la remplace", "Zur Seite, die sie ersetzt"},
	{"replaced.publication", "Read the publication that replaces it", "Lire la publication qui la remplace", "Zur Veröffentlichung, die sie ersetzt"},
	{"replaced.statement", "Read the statement that replaces it", "Lire la déclaration qui la remplace", "Zur Stellungnahme, die sie ersetzt"},
	{"search", "Search", "Rechercher", "Suche"},
	{"search.advice", "Check the spelling, try fewer or more general words, or remove a filter.", "Vérifiez l'orthographe, essayez des mots moins nombreux ou plus généraux, ou retirez un filtre.", "Prüfen Sie die Schreibweise, versuchen Sie weniger oder allgemeinere Wörter, oder entfernen Sie einen Filter."},
	{"search.all", "All", "Tous", "Alle"},
	{"search.anytype", "All types", "Tous les types", "Alle Arten"},
	{"search.bytopic", "By topic", "Par thème", "Nach Thema"},
	{"search.bytype", "By type", "Par type", "Nach Art"},
	{"search.count", "%d results", "%d résultats", "%d Ergebnisse"},
	{"search.count.one", "1 result", "1 résultat", "1 Ergebnis"},
	{"search.from", "from %s", "à partir du %s", "ab %s"},
	{"search.intro", "Search the statements, publications, news and pages of this information centre.", "Recherchez parmi les déclarations, publications, actualités et pages de ce centre d'information.", "Durchsuchen Sie die Stellungnahmen, Veröffentlichungen, Meldungen und Seiten dieses Informationszentrums."},
	{"search.invalid", "This search could not be run. Dates must be written as 2026-03-31 and the search text must be at most 500 characters.", "Cette recherche n'a pas pu être effectuée. Les dates s'écrivent 2026-03-31 et le texte cherché compte au plus 500 caractères.", "Diese Suche konnte nicht ausgeführt werden. Daten werden als 2026-03-31 geschrieben, und der Suchtext hat höchstens 500 Zeichen."},
	{"search.label", "Search this information centre", "Rechercher dans ce centre d'information", "Dieses Informationszentrum durchsuchen"},
	{"search.next", "More results", "Plus de résultats", "Weitere Ergebnisse"},
	{"search.none", "No results.", "Aucun résultat.", "Keine Ergebnisse."},
	{"search.none.for", "No results for “%s”.", "Aucun résultat pour « %s ».", "Keine Ergebnisse für „%s“."},
	{"search.of", "Search %s", "Rechercher dans %s", "%s durchsuchen"},
	{"search.partial", "No entry holds all of these words; these entries hold some of them, the closest first.", "Aucune entrée ne contient tous ces mots ; ces entrées en contiennent une partie, les plus proches d'abord.", "Kein Eintrag enthält alle diese Wörter; diese Einträge enthalten einige davon, die passendsten zuerst."},
	{"search.prev", "Previous results", "Résultats précédents", "Vorherige Ergebnisse"},
	{"search.refine", "Refine the results", "Affiner les résultats", "Ergebnisse eingrenzen"},
	{"search.remove", "Remove the filter %s", "Retirer le filtre %s", "Filter %s entfernen"},
	{"search.suggest", "Did you mean %s?", "Vouliez-vous dire %s ?", "Meinten Sie %s?"},
	{"search.title", "Search: %s", "Recherche : %s", "Suche: %s"},
	{"search.to", "until %s", "jusqu'au %s", "bis %s"},
	{"search.type", "Type", "Type", "Art"},
	{"share", "Share", "Partager", "Teilen"},
	{"share.copy", "Link to this page", "Lien vers cette page", "Link zu dieser Seite"},
	{"share.email", "Email", "E-mail", "E-Mail"},
	{"skip", "Skip to content", "Aller au contenu", "Zum Inhalt springen"},
	{"statement", "Statement", "Déclaration", "Stellungnahme"},
	{"statements", "Statements", "Déclarations", "Stellungnahmen"},
	{"subscribe.button", "Subscribe", "S’abonner", "Abonnieren"},
	{"subscribe.daily", "Daily summary", "Résumé quotidien", "Tägliche Zusammenfassung"},
	{"subscribe.email", "Email address", "Adresse e-mail", "E-Mail-Adresse"},
	{"subscribe.entry", "Get updates about this by email", "Recevoir les mises à jour de ce contenu par e-mail", "Aktualisierungen hierzu per E-Mail erhalten"},
	{"subscribe.freq", "How often", "Fréquence", "Wie oft"},
	{"subscribe.immediate", "As it happens", "Dès la publication", "Sofort"},
	{"subscribe.site", "Get email alerts", "Recevoir les alertes par e-mail", "E-Mail-Benachrichtigungen erhalten"},
	{"tags.all", "Topics", "Thèmes", "Themen"},
	{"tags.intro", "Every topic, with the number of entries on it.", "Tous les thèmes, avec le nombre d'entrées de chacun.", "Alle Themen mit der Zahl ihrer Einträge."},
	{"topic", "Topic: %s", "Thème : %s", "Thema: %s"},
	{"topic.intro", "Everything published on this topic, newest first.", "Tout ce qui a été publié sur ce thème, du plus récent au plus ancien.", "Alles, was zu diesem Thema veröffentlicht wurde, das Neueste zuerst."},
	{"topics", "Topics", "Thèmes", "Themen"},
	{"type", "Type:", "Type :", "Art:"},
	{"updated", "Last updated:", "Mis à jour le :", "Zuletzt aktualisiert:"},
	{"updated.top", "Updated %s —", "Mis à jour le %s —", "Aktualisiert am %s —"},
	{"was.withdrawn", "withdrawn.", "retrait.", "zurückgezogen."},
	{"withdrawn.news", "This news update was withdrawn on %s", "Cette actualité a été retirée le %s", "Diese Meldung wurde am %s zurückgezogen"},
	{"withdrawn.page", "This page was withdrawn on %s", "Cette page a été retirée le %s", "Diese Seite wurde am %s zurückgezogen"},
	{"withdrawn.publication", "This publication was withdrawn on %s", "Cette publication a été retirée le %s", "Diese Veröffentlichung wurde am %s zurückgezogen"},
	{"withdrawn.statement", "This statement was withdrawn on %s", "Cette déclaration a été retirée le %s", "Diese Stellungnahme wurde am %s zurückgezogen"},
}

// monthNames are the months in each of messageLangs.
var monthNames = [...][12]string{
	{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
}

// uiLang returns the language of the site's own words on a page in lang.
func uiLang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if slices.Contains(messageLangs[:], base) {
		return base
	}
	return "en"
}

// msg returns the message key in ui, formatted with args.
func msg(ui, key string, args ...any) string {
	var s string
	if i, ok := slices.BinarySearchFunc(messages[:], key, func(m message, key string) int { return strings.Compare(m.key, key) }); ok {
		switch m := &messages[i]; ui {
		case "fr":
			s = m.fr
		case "de":
			s = m.de
		default:
			s = m.en
		}
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
	i := slices.Index(messageLangs[:], ui)
	if i < 0 {
		i, ui = slices.Index(messageLangs[:], "en"), "en"
	}
	m := &monthNames[i]
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
