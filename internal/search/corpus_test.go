package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"infocentre/internal/centre"
)

// A generator of realistic crisis-centre entries in English, French and
// German, for benchmarks and as distractors in the judged query set. Its
// vocabulary overlaps the judged entries on purpose (health, pandemic,
// hospitals, masks, screening, vaccines, data...).

type vocab struct {
	orgs, subjects, topics, actions, qualifiers, fillers, titles []string
}

var vocabs = map[string]vocab{
	"en": {
		orgs: []string{"European Health Technology Association", "Nordic Medtech Council", "Association of Hospital Engineers",
			"Federation of Diagnostic Laboratories", "Patients' Forum Europe", "Alliance for Digital Care", "Society of Intensive Care Nurses"},
		subjects: []string{"Our members", "Hospitals", "Health authorities", "Manufacturers", "Laboratories", "Regional governments",
			"Clinicians", "Patient organisations", "Procurement agencies", "The association"},
		topics: []string{"the supply of protective equipment", "testing capacity", "the vaccination campaign", "intensive care capacity",
			"the distribution of face masks", "remote consultations", "elective surgery backlogs", "the production of ventilators",
			"laboratory reagents", "the safety of health workers", "hospital procurement", "digital health records",
			"the reopening of schools", "border controls for medical goods", "public health guidance", "home care services",
			"the evaluation of diagnostic tests", "oxygen supply", "spare parts for equipment", "patient data sharing"},
		actions: []string{"call for faster action on", "welcome the new rules on", "raise concerns about", "publish figures on",
			"share guidance on", "report progress on", "ask for funding for", "support coordination of", "review the evidence on"},
		qualifiers: []string{"during the pandemic", "in the coming weeks", "across Europe", "in every region", "after the first wave",
			"before the winter", "for vulnerable patients", "with immediate effect", "in rural areas"},
		fillers: []string{"The situation remains difficult in many countries.", "Figures will be updated every week.",
			"We thank everyone who works on the front line.", "More information is available from national authorities.",
			"This statement was agreed by the board.", "Questions from the press are welcome.",
			"Coordination between countries is essential.", "Patients should continue to seek care when they need it."},
		titles: []string{"Statement on %s", "Update: %s", "Our position on %s", "Recommendations on %s", "Figures on %s"},
	},
	"fr": {
		orgs: []string{"Fédération des Laboratoires de Biologie", "Association des Ingénieurs Hospitaliers", "Union des Industries de Santé",
			"Collectif des Patients", "Société Française des Soins Intensifs"},
		subjects: []string{"Nos membres", "Les hôpitaux", "Les autorités sanitaires", "Les fabricants", "Les laboratoires",
			"Les régions", "Les soignants", "Les associations de patients", "L'association"},
		topics: []string{"l'approvisionnement en équipements de protection", "les capacités de test", "la campagne de vaccination",
			"les lits de réanimation", "la distribution de masques", "les téléconsultations", "les opérations reportées",
			"la production de respirateurs", "les réactifs de laboratoire", "la sécurité des soignants", "les achats hospitaliers",
			"le dossier médical numérique", "la réouverture des écoles", "les contrôles aux frontières", "les consignes de santé publique",
			"les soins à domicile", "l'approvisionnement en oxygène"},
		actions: []string{"demandent des mesures rapides sur", "saluent les nouvelles règles sur", "s'inquiètent de",
			"publient des chiffres sur", "partagent des recommandations sur", "font le point sur", "demandent un financement pour"},
		qualifiers: []string{"pendant la pandémie", "dans les semaines à venir", "dans toute l'Europe", "dans chaque région",
			"après la première vague", "avant l'hiver", "pour les patients fragiles"},
		fillers: []string{"La situation reste difficile dans de nombreux pays.", "Les chiffres seront mis à jour chaque semaine.",
			"Nous remercions toutes celles et ceux qui travaillent en première ligne.", "Plus d'informations auprès des autorités nationales.",
			"La coordination entre les pays est essentielle.", "Les patients doivent continuer à se faire soigner."},
		titles: []string{"Déclaration sur %s", "Point de situation : %s", "Notre position sur %s", "Recommandations sur %s"},
	},
	"de": {
		orgs: []string{"Verband der Medizintechnik", "Bundesverband der Labore", "Deutsche Gesellschaft für Intensivpflege",
			"Patientenforum Deutschland", "Arbeitsgemeinschaft Krankenhaustechnik"},
		subjects: []string{"Unsere Mitglieder", "Die Krankenhäuser", "Die Gesundheitsbehörden", "Die Hersteller", "Die Labore",
			"Die Länder", "Die Pflegekräfte", "Die Patientenverbände", "Der Verband"},
		topics: []string{"die Versorgung mit Schutzausrüstung", "die Testkapazitäten", "die Impfkampagne", "die Intensivkapazitäten",
			"die Verteilung von Masken", "die Videosprechstunden", "verschobene Operationen", "die Produktion von Beatmungsgeräten",
			"die Laborreagenzien", "die Sicherheit der Beschäftigten", "die Beschaffung in Krankenhäusern", "die elektronische Patientenakte",
			"die Öffnung der Schulen", "die Grenzkontrollen", "die Hinweise zur öffentlichen Gesundheit", "die häusliche Pflege",
			"die Sauerstoffversorgung"},
		actions: []string{"fordern schnelles Handeln bei", "begrüßen die neuen Regeln für", "äußern Sorgen über",
			"veröffentlichen Zahlen zu", "geben Empfehlungen zu", "berichten über Fortschritte bei", "fordern Mittel für"},
		qualifiers: []string{"während der Pandemie", "in den kommenden Wochen", "in ganz Europa", "in allen Regionen",
			"nach der ersten Welle", "vor dem Winter", "für gefährdete Patienten"},
		fillers: []string{"Die Lage bleibt in vielen Ländern schwierig.", "Die Zahlen werden wöchentlich aktualisiert.",
			"Wir danken allen, die an vorderster Front arbeiten.", "Weitere Informationen geben die nationalen Behörden.",
			"Die Abstimmung zwischen den Ländern ist entscheidend.", "Patienten sollten weiterhin Hilfe suchen."},
		titles: []string{"Stellungnahme zu %s", "Aktuell: %s", "Unsere Position zu %s", "Empfehlungen zu %s"},
	},
}

var genTags = []string{"ppe", "testing", "vaccination", "intensive-care", "masks", "telehealth", "surgery", "ventilators",
	"laboratories", "health-workers", "procurement", "digital-health", "schools", "borders", "guidance", "home-care", "oxygen",
	"supply-chain", "members", "weekly-update"}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func capitalise(s string) string {
	for i, c := range s {
		return strings.ToUpper(s[i:i+len(string(c))]) + s[i+len(string(c)):]
	}
	return s
}

// generate returns n generated public documents (about half English, a
// quarter each French and German), the same for the same seed.
func generate(n int, seed uint64) []Doc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	types := []string{centre.TypeStatement, centre.TypeStatement, centre.TypePublication, centre.TypeNews, centre.TypeNews}
	start := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]Doc, 0, n)
	for i := range n {
		lang := "en"
		switch r.IntN(4) {
		case 0:
			lang = "fr"
		case 1:
			lang = "de"
		}
		v := vocabs[lang]
		topic := pick(r, v.topics)
		sentence := func() string {
			return fmt.Sprintf("%s %s %s %s.", pick(r, v.subjects), pick(r, v.actions), pick(r, v.topics), pick(r, v.qualifiers))
		}
		var body strings.Builder
		paragraphs := 2 + r.IntN(6)
		for p := range paragraphs {
			if p > 0 {
				body.WriteString("\n\n")
			}
			for s := range 2 + r.IntN(5) {
				if s > 0 {
					body.WriteByte(' ')
				}
				if r.IntN(3) == 0 {
					body.WriteString(pick(r, v.fillers))
				} else {
					body.WriteString(sentence())
				}
			}
		}
		d := Doc{
			ID:      fmt.Sprintf("gen%06d", i),
			Slug:    fmt.Sprintf("generated-%d", i),
			Lang:    lang,
			Type:    pick(r, types),
			Title:   capitalise(fmt.Sprintf(pick(r, v.titles), topic)),
			Summary: sentence(),
			Body:    body.String(),
			PublishedAt: start.Add(time.Duration(r.IntN(3*365*24)) * time.Hour).
				Add(time.Duration(i) * time.Millisecond),
			Withdrawn: r.IntN(50) == 0,
		}
		for range 1 + r.IntN(3) {
			if t := pick(r, genTags); !strings.Contains(strings.Join(d.Tags, ","), t) {
				d.Tags = append(d.Tags, t)
			}
		}
		d.Organisations = []string{pick(r, v.orgs)}
		if d.Type == centre.TypePublication {
			d.Attachments = []string{capitalise(topic) + " (PDF)"}
		}
		docs = append(docs, d)
	}
	return docs
}
