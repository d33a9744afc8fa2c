// Package demo seeds the demo information centre that `infocentre serve`
// shows on first start: a health-technology trade association's COVID-19
// information centre, with statements, publications, news and pages by the
// association and its member organisations.
package demo

import (
	"context"
	"fmt"
	"time"

	"infocentre/internal/centre"
)

// Slug is the demo site's slug.
const Slug = "demo"

// Site is the demo site.
var Site = centre.SiteInput{
	Slug:        Slug,
	Title:       "COVID-19 Information Centre",
	Tagline:     "Statements, reports and recommendations of the European health-technology community",
	Description: "The public repository of our association's statements, reports and recommendations on the COVID-19 pandemic, and those of our member organisations.",
	Languages:   []string{"en", "fr"},
	Publisher:   "European Health Technology Association",
	Contact:     centre.Contact{Email: "press@example.org", URL: "https://example.org/contact"},
	Theme:       centre.Theme{Accent: "#0b5394"},
	TimeZone:    "Europe/Brussels",
	Translations: []centre.SiteText{{Lang: "fr", Title: "Centre d'information COVID-19",
		Tagline:     "Déclarations, rapports et recommandations de la communauté européenne des technologies de la santé",
		Description: "Le recueil public des déclarations, rapports et recommandations de notre association et de ses organisations membres sur la pandémie de COVID-19."}},
	Labels: labels(),
}

// labels are the English and French names of the demo's tags and
// organisations.
func labels() []centre.Label {
	var out []centre.Label
	for _, l := range []struct{ kind, key, en, fr string }{
		{centre.LabelTag, "cancer-care", "Cancer care", "Soins oncologiques"},
		{centre.LabelTag, "radiotherapy", "Radiotherapy", "Radiothérapie"},
		{centre.LabelTag, "continuity-of-care", "Continuity of care", "Continuité des soins"},
		{centre.LabelTag, "eu-policy", "EU policy", "Politique de l'UE"},
		{centre.LabelTag, "recovery", "Recovery", "Relance"},
		{centre.LabelTag, "digital-health", "Digital health", "Santé numérique"},
		{centre.LabelTag, "mhealth", "Mobile health", "Santé mobile"},
		{centre.LabelTag, "telehealth", "Telehealth", "Télésanté"},
		{centre.LabelTag, "artificial-intelligence", "Artificial intelligence", "Intelligence artificielle"},
		{centre.LabelTag, "cardiology", "Cardiology", "Cardiologie"},
		{centre.LabelTag, "screening", "Screening", "Dépistage"},
		{centre.LabelTag, "members", "Members", "Membres"},
		{centre.LabelTag, "weekly-update", "Weekly update", "Point hebdomadaire"},
		{centre.LabelTag, "imaging", "Medical imaging", "Imagerie médicale"},
		{centre.LabelTag, "events", "Events", "Événements"},
		{centre.LabelTag, "vaccination", "Vaccination", "Vaccination"},
		{centre.LabelTag, "ventilators", "Ventilators", "Respirateurs"},
		{centre.LabelTag, "supply-chain", "Supply chain", "Chaîne d'approvisionnement"},
		{centre.LabelOrganisation, centre.OrgKey(assoc), assoc, "Association européenne des technologies de la santé"},
		{centre.LabelOrganisation, centre.OrgKey("European Society for Radiotherapy Physics"), "European Society for Radiotherapy Physics", "Société européenne de physique en radiothérapie"},
		{centre.LabelOrganisation, centre.OrgKey("Digital Health Society"), "Digital Health Society", "Société de santé numérique"},
		{centre.LabelOrganisation, centre.OrgKey("Breast Imaging Network Europe"), "Breast Imaging Network Europe", "Réseau européen d'imagerie mammaire"},
		{centre.LabelOrganisation, centre.OrgKey("Cardiac Imaging Alliance"), "Cardiac Imaging Alliance", "Alliance d'imagerie cardiaque"},
	} {
		out = append(out, centre.Label{Kind: l.kind, Key: l.key, Lang: "en", Text: l.en},
			centre.Label{Kind: l.kind, Key: l.key, Lang: "fr", Text: l.fr})
	}
	return out
}

type item struct {
	in      centre.EntryInput
	daysAgo int    // publication date, days before the seed time
	note    string // a later public change note, if any
	draft   bool
}

const assoc = "European Health Technology Association"

var items = []item{
	{daysAgo: 40, in: centre.EntryInput{Slug: "keep-cancer-care-going",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Call for action: keep cancer treatment going during the pandemic",
			Summary:       "Cancer does not stop for COVID-19. We call on health systems to protect diagnosis, radiotherapy and screening pathways.",
			Tags:          []string{"cancer-care", "radiotherapy", "continuity-of-care"},
			Organisations: []string{assoc, "European Society for Radiotherapy Physics"},
			Pinned:        true,
			Body: `Across Europe, cancer diagnoses have fallen by up to **40%** since the start of the pandemic — not because
there is less cancer, but because patients are not being seen.

We call on health ministries and hospital managers to:

1. keep dedicated *COVID-free* pathways for oncology patients;
2. keep radiotherapy departments fully staffed and equipped, using hypofractionated schedules where clinically appropriate;
3. restart screening programmes as soon as it is safe, with catch-up capacity;
4. use remote consultations and remote monitoring to reduce hospital visits.

Read the [joint recommendations](https://example.org/oncology-recommendations) for details.`,
		},
	}},
	{daysAgo: 30, note: "Added the Council's final figures for the recovery instrument.",
		in: centre.EntryInput{Slug: "eu-recovery-plan",
			Content: centre.Content{
				Type:          centre.TypeStatement,
				Title:         "We welcome the EU recovery plan and its investment in resilient health systems",
				Summary:       "The recovery plan is a chance to modernise Europe's health systems. Digital health and medical technology must be part of it.",
				Tags:          []string{"eu-policy", "recovery", "digital-health"},
				Organisations: []string{assoc},
				Body: `The association welcomes the European recovery plan. The pandemic showed how much Europe depends on
resilient, digital and well-equipped health systems.

We ask that national recovery plans:

- invest in **modern diagnostic and treatment equipment**, replacing installed bases older than ten years;
- fund the interoperable digital infrastructure that telehealth needs;
- involve patients, clinicians and industry in setting priorities.`,
			},
		}},
	{daysAgo: 25, in: centre.EntryInput{Slug: "mhealth-deployment-recommendations",
		Content: centre.Content{
			Type:          centre.TypePublication,
			Title:         "Recommendations for deploying mobile health at scale",
			Summary:       "A report with ten recommendations on deploying mobile health apps and remote monitoring during and after the pandemic.",
			Tags:          []string{"digital-health", "mhealth", "telehealth"},
			Organisations: []string{assoc, "Digital Health Society"},
			Body: `This report sets out ten recommendations for deploying mobile health (mHealth) at scale: from reimbursement
and evidence frameworks to data protection, interoperability and digital literacy.

| Area | Recommendation |
|------|----------------|
| Evidence | A common European assessment framework for health apps |
| Reimbursement | Fast-track pathways for remote monitoring |
| Data | Interoperable, GDPR-compliant data sharing |`,
			Attachments: []centre.Attachment{
				{Title: "Full report (PDF)", URL: "https://example.org/files/mhealth-recommendations.pdf", MediaType: "application/pdf", Size: 2457600, Lang: "en"},
				{Title: "Executive summary (PDF)", URL: "https://example.org/files/mhealth-summary.pdf", MediaType: "application/pdf", Size: 318464, Lang: "en"},
			},
		},
	}},
	{daysAgo: 20, in: centre.EntryInput{Slug: "ai-cardiology-use-cases",
		Content: centre.Content{
			Type:          centre.TypePublication,
			Title:         "Artificial intelligence in cardiology: use cases",
			Summary:       "How AI supports cardiologists today: ECG interpretation, echocardiography and risk prediction, with lessons from the pandemic.",
			Tags:          []string{"artificial-intelligence", "cardiology"},
			Organisations: []string{assoc, "Cardiac Imaging Alliance"},
			Body:          "Seven use cases of artificial intelligence in cardiology, from automated ECG interpretation to echocardiography measurement, each with the clinical evidence and the conditions for safe use.",
			Attachments: []centre.Attachment{
				{Title: "AI in cardiology: use cases (PDF)", URL: "https://example.org/files/ai-cardiology.pdf", MediaType: "application/pdf", Size: 1843200, Lang: "en"},
			},
		},
	}},
	{daysAgo: 18, in: centre.EntryInput{Slug: "ai-radiotherapy-use-cases",
		Content: centre.Content{
			Type:          centre.TypePublication,
			Title:         "Artificial intelligence in radiotherapy: use cases",
			Summary:       "Auto-contouring, adaptive planning and quality assurance: where AI already shortens the path to treatment.",
			Tags:          []string{"artificial-intelligence", "radiotherapy", "cancer-care"},
			Organisations: []string{assoc, "European Society for Radiotherapy Physics"},
			Body:          "Artificial intelligence already shortens radiotherapy planning from days to hours. This paper describes five use cases and what regulators and hospitals need to deploy them.",
			Attachments: []centre.Attachment{
				{Title: "AI in radiotherapy: use cases (PDF)", URL: "https://example.org/files/ai-radiotherapy.pdf", MediaType: "application/pdf", Size: 1572864, Lang: "en"},
			},
		},
	}},
	{daysAgo: 15, in: centre.EntryInput{Slug: "ai-breast-screening-use-cases",
		Content: centre.Content{
			Type:          centre.TypePublication,
			Title:         "Artificial intelligence in breast-cancer screening: use cases",
			Summary:       "AI as a second reader in mammography screening, to help programmes catch up on screenings postponed by the pandemic.",
			Tags:          []string{"artificial-intelligence", "cancer-care", "screening"},
			Organisations: []string{assoc, "Breast Imaging Network Europe"},
			Body:          "With screening programmes paused in spring, a backlog of mammograms has built up. AI used as a second reader can help radiologists catch up without lowering quality.",
			Attachments: []centre.Attachment{
				{Title: "AI in breast-cancer screening (PDF)", URL: "https://example.org/files/ai-breast-screening.pdf", MediaType: "application/pdf", Size: 1310720, Lang: "en"},
				{Title: "L'IA dans le dépistage du cancer du sein (PDF)", URL: "https://example.org/files/ai-breast-screening-fr.pdf", MediaType: "application/pdf", Size: 1351680, Lang: "fr"},
			},
		},
	}},
	{daysAgo: 10, in: centre.EntryInput{Slug: "update-overview-week-24",
		Content: centre.Content{
			Type:          centre.TypeNews,
			Title:         "Update overview: what our members did this week",
			Summary:       "Ventilator production, remote monitoring programmes and donations of imaging equipment across Europe.",
			Tags:          []string{"members", "weekly-update"},
			Organisations: []string{assoc},
			Body: `This week our members:

- doubled production of intensive-care ventilators at two European sites;
- opened remote-monitoring programmes for 12,000 patients with chronic heart failure;
- donated mobile X-ray units to field hospitals in three countries.`,
		},
	}},
	{daysAgo: 6, in: centre.EntryInput{Slug: "member-statement-imaging-capacity",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Member statement: imaging capacity for the second wave",
			Summary:       "Our member organisation sets out how imaging departments can prepare for a second wave.",
			Tags:          []string{"imaging", "members"},
			Organisations: []string{"Breast Imaging Network Europe"},
			Body:          "Imaging departments should plan now for separate COVID and non-COVID scanners, extended opening hours and remote reporting, so that cancer diagnosis continues through a second wave.",
		},
	}},
	{daysAgo: 3, in: centre.EntryInput{Slug: "webinar-remote-monitoring",
		Content: centre.Content{
			Type:          centre.TypeNews,
			Title:         "Webinar: remote monitoring after the pandemic",
			Summary:       "Join clinicians and patient groups on how remote monitoring can stay part of care.",
			Tags:          []string{"telehealth", "events"},
			Organisations: []string{assoc, "Digital Health Society"},
			Body:          "Registration is open for our webinar on remote monitoring. Speakers include cardiologists, nurses and patient representatives.",
		},
	}},
	{daysAgo: 40, in: centre.EntryInput{Slug: "keep-cancer-care-going", Lang: "fr",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Appel à l'action : maintenir les traitements contre le cancer pendant la pandémie",
			Summary:       "Le cancer ne s'arrête pas pour la COVID-19. Nous appelons les systèmes de santé à protéger le diagnostic, la radiothérapie et le dépistage.",
			Tags:          []string{"cancer-care", "radiotherapy", "continuity-of-care"},
			Organisations: []string{assoc, "European Society for Radiotherapy Physics"},
			Body:          "Partout en Europe, les diagnostics de cancer ont chuté jusqu'à **40 %** depuis le début de la pandémie. Nous appelons à maintenir des parcours dédiés aux patients atteints de cancer.",
		},
	}},
	{daysAgo: 45, in: centre.EntryInput{Slug: "about",
		Content: centre.Content{
			Type:          centre.TypePage,
			Title:         "About this information centre",
			Summary:       "Who we are and what you find here.",
			Organisations: []string{assoc},
			Body:          "This information centre collects the statements, reports and recommendations of the association and its member organisations on the COVID-19 pandemic. Press enquiries: press@example.org.",
		},
	}},
	{daysAgo: 8, in: centre.EntryInput{Slug: "ventilator-production-update",
		Content: centre.Content{
			Type:          centre.TypeNews,
			Title:         "Members have doubled ventilator production",
			Summary:       "Manufacturers in eight countries now build twice as many ventilators as in March.",
			Tags:          []string{"ventilators", "supply-chain", "members"},
			Organisations: []string{assoc},
			Body:          "Our members have doubled the production of intensive-care ventilators since March by adding shifts and sharing suppliers of sensors and valves. Deliveries to hospitals are planned with the health authorities of each country.",
		},
	}},
	{daysAgo: 45, in: centre.EntryInput{Slug: "about", Lang: "fr",
		Content: centre.Content{
			Type:          centre.TypePage,
			Title:         "À propos de ce centre d'information",
			Summary:       "Qui nous sommes et ce que vous trouverez ici.",
			Organisations: []string{assoc},
			Body:          "Ce centre d'information rassemble les déclarations, rapports et recommandations de l'association et de ses organisations membres sur la pandémie de COVID-19. Contact presse : press@example.org.",
		},
	}},
	{daysAgo: 45, in: page("contact", "en", "Contact us", "How to reach the association.",
		"Press enquiries: press@example.org. Members and partners: members@example.org. Post: European Health Technology Association, Rue de l'Exemple 1, 1000 Brussels, Belgium.")},
	{daysAgo: 45, in: page("contact", "fr", "Nous contacter", "Comment joindre l'association.",
		"Presse : press@example.org. Membres et partenaires : members@example.org. Courrier : European Health Technology Association, Rue de l'Exemple 1, 1000 Bruxelles, Belgique.")},
	{daysAgo: 45, in: page("privacy", "en", "Privacy statement", "What this site records about you: nothing that identifies you.",
		"This site sets no cookies and loads nothing from other sites. Our servers keep access logs (time, address, page) for 30 days to keep the service safe, then delete them. Share links open the service you choose only when you follow them. Questions: privacy@example.org.")},
	{daysAgo: 45, in: page("privacy", "fr", "Déclaration de confidentialité", "Ce que ce site enregistre à votre sujet : rien qui vous identifie.",
		"Ce site ne dépose aucun cookie et ne charge rien depuis d'autres sites. Nos serveurs gardent des journaux d'accès (heure, adresse, page) pendant 30 jours pour la sécurité du service, puis les effacent. Les liens de partage n'ouvrent le service choisi que si vous les suivez. Questions : privacy@example.org.")},
	{daysAgo: 45, in: page("accessibility", "en", "Accessibility statement", "How accessible this site is, and how to tell us when it is not.",
		"We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA. Every page type is tested with an automated accessibility checker at phone and desktop widths, in light and dark mode. Some documents we publish (PDF reports) may not be fully accessible; ask us for another format at press@example.org and we answer within five working days.")},
	{daysAgo: 45, in: page("accessibility", "fr", "Déclaration d'accessibilité", "Le niveau d'accessibilité de ce site, et comment nous signaler un problème.",
		"Nous visons la conformité aux règles pour l'accessibilité des contenus web (WCAG) 2.1, niveau AA. Chaque type de page est vérifié par un outil automatique sur téléphone et sur ordinateur, en mode clair et sombre. Certains documents publiés (rapports PDF) peuvent ne pas être entièrement accessibles ; demandez-nous un autre format à press@example.org, nous répondons sous cinq jours ouvrés.")},
	{draft: true, in: centre.EntryInput{Slug: "vaccination-logistics",
		Content: centre.Content{
			Type:          centre.TypeStatement,
			Title:         "Draft: cold-chain logistics for vaccination campaigns",
			Summary:       "Medical technology's contribution to vaccination campaigns.",
			Tags:          []string{"vaccination"},
			Organisations: []string{assoc},
			Body:          "Draft under review.",
		},
	}},
}

// page returns a page entry of the association in language lang.
func page(slug, lang, title, summary, body string) centre.EntryInput {
	return centre.EntryInput{Slug: slug, Lang: lang, Content: centre.Content{
		Type: centre.TypePage, Title: title, Summary: summary, Organisations: []string{assoc}, Body: body}}
}

// Seed creates the demo site and its entries through the service, as the
// operator would, at time now. It fails with ECONFLICT if the site exists.
func Seed(ctx context.Context, svc *centre.Service, now time.Time) error {
	op := centre.Principal{KeyID: "seed", Site: centre.AllSites, Role: centre.RoleOwner}
	if _, err := svc.CreateSite(ctx, op, Site); err != nil {
		return fmt.Errorf("create demo site: %w", err)
	}
	clock := svc.Now
	defer func() { svc.Now = clock }()
	for _, it := range items {
		at := now.Add(-time.Duration(it.daysAgo) * 24 * time.Hour)
		svc.Now = func() time.Time { return at }
		in := it.in
		if !it.draft {
			in.Status = centre.StatusPublished
		}
		e, err := svc.CreateEntry(ctx, op, Slug, in)
		if err != nil {
			return fmt.Errorf("create demo entry %s: %w", in.Slug, err)
		}
		if it.note != "" {
			later := at.Add(3 * 24 * time.Hour)
			svc.Now = func() time.Time { return later }
			note := it.note
			if _, err := svc.UpdateEntry(ctx, op, Slug, e.ID, centre.EntryPatch{ChangeNote: &note}, e.Version); err != nil {
				return fmt.Errorf("update demo entry %s: %w", in.Slug, err)
			}
		}
	}
	return nil
}
