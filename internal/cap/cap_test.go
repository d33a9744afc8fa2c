package cap

import (
	"strings"
	"testing"
	"time"
)

func TestMessageXML(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 13, 5, 0, 0, time.UTC)
	m := &Message{Identifier: "demo.banner.x,y 1", Sender: "https://info.example.org/sites/demo/", Sent: at, MsgType: Update,
		References: []Ref{{Identifier: "demo.banner.x.0", Sent: at.Add(-time.Hour)}}, Zone: brussels,
		Infos: []Info{{Language: "fr", Category: "Other", Event: "Crue", Urgency: "Immediate", Severity: "Severe", Certainty: "Unknown",
			Headline: "Crue <rapide> & forte", Expires: at.Add(time.Hour)}}}
	b, err := m.XML()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{
		`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">`,
		"<identifier>demo.banner.x-y-1</identifier>",
		"<sent>2026-11-30T14:05:00+01:00</sent>",
		"<references>https://info.example.org/sites/demo/,demo.banner.x.0,2026-11-30T13:05:00+01:00</references>",
		"<headline>Crue &lt;rapide&gt; &amp; forte</headline>",
		"<expires>2026-11-30T15:05:00+01:00</expires>",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %s in\n%s", want, doc)
		}
	}
	if got := Time(at, nil); got != "2026-11-30T13:05:00+00:00" {
		t.Errorf("Time in UTC = %s; CAP wants +00:00, never Z", got)
	}
}
