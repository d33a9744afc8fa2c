package search

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/demo"
)

// The judged query set: queries a visitor of a crisis centre types, each
// with the slugs of the entries that answer it (an entry's language
// versions share its slug and count once), over a realistic corpus:
// the demo site, the entries below (English, French and German) and 3,000
// generated entries on the same subjects as distractors.

var judgedEntries = []Doc{
	{Slug: "ventilator-export-restrictions", Lang: "en", Type: centre.TypeStatement,
		Title:   "Export restrictions on ventilators put patients at risk",
		Summary: "National export bans on ventilators and their components break supply chains that hospitals in every country depend on.",
		Body:    "Several governments have banned the export of ventilators, masks and spare parts. Components cross many borders before a ventilator is assembled; a ban in one country stops production in others. We call on the Commission to keep the single market for medical devices open.",
		Tags:    []string{"ventilators", "supply-chain", "eu-policy"}, Organisations: []string{"European Health Technology Association"}},
	{Slug: "schutzmasken-lieferengpass", Lang: "de", Type: centre.TypeStatement,
		Title:   "Lieferengpässe bei Schutzmasken: Appell an die Bundesregierung",
		Summary: "Kliniken und Pflegeheime melden knappe Bestände an FFP2-Masken und Schutzkitteln.",
		Body:    "Die Bestände an Schutzmasken reichen in vielen Kliniken nur noch für wenige Tage. Wir fordern eine zentrale Beschaffung und die Freigabe der nationalen Reserve.",
		Tags:    []string{"masks", "ppe"}, Organisations: []string{"Verband der Medizintechnik"}},
	{Slug: "tests-depistage-laboratoires", Lang: "fr", Type: centre.TypeNews,
		Title:   "Capacités de dépistage : les laboratoires travaillent à plein régime",
		Summary: "Les laboratoires de biologie médicale réalisent désormais 300 000 tests PCR par semaine.",
		Body:    "Les laboratoires ont augmenté leurs capacités de dépistage grâce à de nouveaux automates. Les délais de rendu des résultats restent toutefois trop longs dans certaines régions.",
		Tags:    []string{"testing", "laboratories"}, Organisations: []string{"Fédération des Laboratoires de Biologie"}},
	{Slug: "mental-health-health-workers", Lang: "en", Type: centre.TypeStatement,
		Title:   "Protecting the mental health of nurses and doctors",
		Summary: "Burnout, anxiety and moral injury: health workers need support now, not after the crisis.",
		Body:    "Surveys of intensive-care nurses show rates of anxiety and burnout twice as high as before the pandemic. Employers should offer confidential psychological support and enforce rest periods.",
		Tags:    []string{"health-workers", "mental-health"}, Organisations: []string{"Society of Intensive Care Nurses"}},
	{Slug: "intensivbetten-kapazitaet", Lang: "de", Type: centre.TypePublication,
		Title:   "Intensivbetten: Kapazitäten in den Krankenhäusern ausbauen",
		Summary: "Eine Auswertung der Belegung der Intensivstationen im Frühjahr und Empfehlungen für den Winter.",
		Body:    "Im April waren bis zu 40 Prozent der Intensivbetten mit COVID-19-Patienten belegt. Für den Winter empfehlen wir zusätzliche Beatmungsplätze und mehr Fachpersonal.",
		Tags:    []string{"intensive-care"}, Organisations: []string{"Deutsche Gesellschaft für Intensivpflege"},
		Attachments: []string{"Auswertung der Intensivbettenbelegung (PDF)"}},
	{Slug: "vaccins-chaine-du-froid", Lang: "fr", Type: centre.TypePublication,
		Title:   "Vaccins : la chaîne du froid, un défi logistique",
		Summary: "Certains vaccins doivent être conservés à -70 °C. Les hôpitaux doivent s'équiper de congélateurs adaptés.",
		Body:    "Le transport et le stockage des vaccins à très basse température exigent des congélateurs spécialisés, des enregistreurs de température et une planification précise des livraisons.",
		Tags:    []string{"vaccination", "supply-chain"}, Organisations: []string{"Union des Industries de Santé"}},
	{Slug: "clinical-trials-continuity", Lang: "en", Type: centre.TypeStatement,
		Title:   "Keep clinical trials running during lockdown",
		Summary: "Trials of new devices and medicines must not stop: remote monitoring of trial participants is possible and safe.",
		Body:    "Many clinical trials were paused in March. Regulators should accept remote source-data verification and home visits so that participants keep their treatment.",
		Tags:    []string{"clinical-trials", "regulation"}, Organisations: []string{"European Health Technology Association"}},
	{Slug: "travel-guidance-engineers", Lang: "en", Type: centre.TypeNews, Withdrawn: true,
		Title:   "Travel guidance for field service engineers",
		Summary: "How engineers who maintain hospital equipment can cross borders during the lockdown.",
		Body:    "Field service engineers who repair ventilators and imaging equipment should carry the employer certificate when crossing borders.",
		Tags:    []string{"borders"}, Organisations: []string{"Association of Hospital Engineers"}},
	{Slug: "travel-guidance-engineers-2", Lang: "en", Type: centre.TypeNews,
		Title:   "Updated travel guidance for field service engineers",
		Summary: "Green lanes now apply to engineers who maintain hospital equipment.",
		Body:    "Since the Commission's green-lanes guidelines, field service engineers can cross internal borders with the common certificate.",
		Tags:    []string{"borders"}, Organisations: []string{"Association of Hospital Engineers"}},
	{Slug: "telemedizin-gesetz", Lang: "de", Type: centre.TypeNews,
		Title:   "Telemedizin: Das neue Gesetz für digitale Gesundheitsanwendungen",
		Summary: "Ärztinnen und Ärzte können Gesundheits-Apps nun auf Rezept verordnen.",
		Body:    "Mit dem Gesetz werden digitale Gesundheitsanwendungen erstattungsfähig. Hersteller müssen einen positiven Versorgungseffekt nachweisen.",
		Tags:    []string{"telehealth", "digital-health"}, Organisations: []string{"Verband der Medizintechnik"}},
	{Slug: "sante-mentale-soignants", Lang: "fr", Type: centre.TypeStatement,
		Title:   "La santé mentale des soignants en première ligne",
		Summary: "Épuisement, anxiété : les soignants ont besoin d'un soutien psychologique dès maintenant.",
		Body:    "Les infirmières et les médecins des services de réanimation témoignent d'un épuisement profond. Nous demandons des cellules d'écoute dans chaque établissement.",
		Tags:    []string{"health-workers", "mental-health"}, Organisations: []string{"Société Française des Soins Intensifs"}},
	{Slug: "contact-tracing-data-protection", Lang: "en", Type: centre.TypeStatement,
		Title:   "Contact-tracing apps must respect data protection",
		Summary: "Privacy by design, decentralised storage and a sunset clause make tracing apps trustworthy.",
		Body:    "Contact-tracing apps only work if people trust them. They should store proximity data on the phone, delete it after 14 days and be switched off when the pandemic ends.",
		Tags:    []string{"digital-health", "data-protection"}, Organisations: []string{"Alliance for Digital Care"}},
}

type judged struct {
	q        Query
	relevant []string // slugs; every language version of a slug is relevant
}

var judgedQueries = []judged{
	{Query{Text: "cancer treatment during the pandemic"}, []string{"keep-cancer-care-going"}},
	{Query{Text: "AI second reader mammography"}, []string{"ai-breast-screening-use-cases"}},
	{Query{Text: "artificial intelligence radiotherapy"}, []string{"ai-radiotherapy-use-cases"}},
	{Query{Text: "mobile health apps"}, []string{"mhealth-deployment-recommendations"}},
	{Query{Text: "remote monitoring"}, []string{"webinar-remote-monitoring", "mhealth-deployment-recommendations", "update-overview-week-24", "clinical-trials-continuity"}},
	{Query{Text: "recovery plan"}, []string{"eu-recovery-plan"}},
	{Query{Text: "ECG echocardiography"}, []string{"ai-cardiology-use-cases"}},
	{Query{Text: "imaging second wave"}, []string{"member-statement-imaging-capacity"}},
	{Query{Text: "ventilator export ban"}, []string{"ventilator-export-restrictions"}},
	{Query{Text: "Schutzmasken Lieferengpass"}, []string{"schutzmasken-lieferengpass"}},
	{Query{Text: "Intensivbett"}, []string{"intensivbetten-kapazitaet"}},
	{Query{Text: "depistage laboratoires"}, []string{"tests-depistage-laboratoires"}},
	{Query{Text: "santé mentale soignants"}, []string{"sante-mentale-soignants"}},
	{Query{Text: "burnout nurses"}, []string{"mental-health-health-workers"}},
	{Query{Text: "chaine du froid vaccins"}, []string{"vaccins-chaine-du-froid"}},
	{Query{Text: "clinical trials"}, []string{"clinical-trials-continuity"}},
	{Query{Text: "contact tracing privacy"}, []string{"contact-tracing-data-protection"}},
	{Query{Text: "Gesundheits-Apps auf Rezept"}, []string{"telemedizin-gesetz"}},
	{Query{Text: "travel guidance engineers"}, []string{"travel-guidance-engineers-2", "travel-guidance-engineers"}},
	{Query{Text: `"breast cancer" screening backlog`}, []string{"ai-breast-screening-use-cases"}},
	{Query{Text: "radiother"}, []string{"ai-radiotherapy-use-cases", "keep-cancer-care-going"}},
	{Query{Text: "COVID-free pathways for oncology"}, []string{"keep-cancer-care-going"}},
	{Query{Text: `"green lanes" borders`}, []string{"travel-guidance-engineers-2"}},
	{Query{Text: "Beatmungsplätze Winter"}, []string{"intensivbetten-kapazitaet"}},
	{Query{Text: "use cases", Tag: "cancer-care"}, []string{"ai-radiotherapy-use-cases", "ai-breast-screening-use-cases"}},
	// Forgiving search: typos are corrected (partial matches:
	// TestForgivingSearch, on the demo alone).
	{Query{Text: "radiotherpy "}, []string{"ai-radiotherapy-use-cases", "keep-cancer-care-going"}},
	{Query{Text: "cardiolgy "}, []string{"ai-cardiology-use-cases"}},
}

// judgedIndex builds the judged corpus: the demo site read through the
// search service, the judged entries and generated distractors.
func judgedIndex(t testing.TB) *Index {
	s, _, _ := demoCentre(t)
	ix, err := s.Index(context.Background(), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	docs := ix.Docs()
	start := time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range judgedEntries {
		d.ID = centre.Slugify(d.Slug)
		d.PublishedAt = start.Add(time.Duration(i) * 72 * time.Hour)
		docs = append(docs, d)
	}
	docs = append(docs, generate(3000, 7)...)
	all, err := Build(docs)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestJudgedQueries measures precision at 5 on the judged set and asserts
// a floor. Precision@5 here divides the relevant entries in the top five
// by min(5, relevant entries), so that a query with one right answer
// scores 1 when that answer is in the top five; mean reciprocal rank is
// reported beside it.
func TestJudgedQueries(t *testing.T) {
	ix := judgedIndex(t)
	var sumP, sumStrict, sumRR float64
	for _, j := range judgedQueries {
		res := search(t, ix, j.q)
		present := map[string]bool{}
		for _, d := range ix.Docs() {
			if slices.Contains(j.relevant, d.Slug) {
				present[d.Slug] = true
			}
		}
		relevant := len(present)
		if relevant != len(j.relevant) {
			t.Fatalf("%q: relevant entries missing from the corpus", j.q.Text)
		}
		// Each relevant slug counts once, whichever language version matched.
		found, rr, counted := 0, 0.0, map[string]bool{}
		for i, h := range res.Hits {
			if !slices.Contains(j.relevant, h.Slug) || counted[h.Slug] {
				continue
			}
			counted[h.Slug] = true
			if rr == 0 {
				rr = 1 / float64(i+1)
			}
			if i < 5 {
				found++
			}
		}
		p := float64(found) / float64(min(5, relevant))
		sumP += p
		sumStrict += float64(found) / 5
		sumRR += rr
		if p < 1 {
			top := slugs(res)
			t.Logf("%-40q P@5 %.2f  top: %v", j.q.Text, p, top[:min(5, len(top))])
		}
	}
	n := float64(len(judgedQueries))
	p5, mrr := sumP/n, sumRR/n
	t.Logf("%d judged queries over %d entries: precision@5 %.3f (strict P@5 %.3f), MRR %.3f",
		len(judgedQueries), ix.Len(), p5, sumStrict/n, mrr)
	if os.Getenv("SEARCH_REPORT") != "" {
		t.Logf("report: precision@5=%.3f mrr=%.3f", p5, mrr)
	}
	const floor = 0.9
	if p5 < floor {
		t.Fatalf("precision@5 %.3f is below the floor %.2f", p5, floor)
	}
	if mrr < floor {
		t.Fatalf("MRR %.3f is below the floor %.2f", mrr, floor)
	}
}
