package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"infocentre/internal/centre"
	"infocentre/internal/console"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// p95 returns the 95th percentile of ds (which it sorts).
func p95(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[(len(ds)*95)/100]
}

// BenchmarkAdminPages measures the server time of the administration
// screens on a busy site: 10,000 audit events, 200 people, 200 keys and
// 500 files (go test -run '^$' -bench AdminPages -benchtime 100x
// ./internal/console): the wall-time p95 and the CPU time per page.
func BenchmarkAdminPages(b *testing.B) {
	e := newEnv(b, console.OIDC{})
	ctx := b.Context()
	admin, ad := e.signedIn(b, "ad@example.org", centre.RoleAdmin)
	now := e.svc.Time().UTC()
	for i := range 10_000 {
		at := now.Add(-time.Duration(i) * time.Minute)
		ev := &centre.AuditEvent{ID: centre.NewID(at), Site: "demo", At: at, KeyID: fmt.Sprintf("01jzkeyid00000000000000%03d", i%50),
			Role: "editor", Action: []string{"entry.update", "entry.publish", "key.create"}[i%3], Target: fmt.Sprintf("01jztarget0000000000000%03d", i%300), Outcome: 200}
		if i%10 == 0 {
			ev.KeyID, ev.PersonID = "", ad.ID
		}
		if err := e.store.AppendAudit(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 200 {
		if _, _, err := e.svc.InvitePerson(ctx, e.owner, "demo", centre.PersonInput{Email: fmt.Sprintf("p%d@example.org", i), Name: fmt.Sprintf("Person %d", i), Role: centre.RoleEditor}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := e.svc.CreateKey(ctx, e.owner, "demo", centre.KeyInput{Name: fmt.Sprintf("key %d", i), Role: centre.RoleViewer}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 500 {
		body := fmt.Sprintf("district,level\nnorth,%d\n", i)
		if _, _, err := e.svc.UploadFile(ctx, e.owner, "demo", centre.FileInput{Name: fmt.Sprintf("levels-%d.csv", i)}, strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct{ name, path string }{
		{"audit", "/admin/sites/demo/audit"},
		{"audit-by-person", "/admin/sites/demo/audit?actor=person:" + ad.ID},
		{"audit-by-action-and-dates", "/admin/sites/demo/audit?action=key.create&from=" + now.AddDate(0, 0, -3).Format("2006-01-02")},
		{"people", "/admin/sites/demo/people"},
		{"keys", "/admin/sites/demo/keys"},
		{"files", "/admin/sites/demo/files"},
		{"settings", "/admin/sites/demo/settings"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var durations []time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				r := httptest.NewRequest("GET", origin+bc.path, nil)
				for _, c := range admin.cookies {
					r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
				}
				w := httptest.NewRecorder()
				start := time.Now()
				e.con.ServeHTTP(w, r)
				durations = append(durations, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", bc.path, w.Code)
				}
			}
			b.ReportMetric(float64(p95(durations).Microseconds())/1000, "p95-ms")
			// CPU time is what a loaded machine does not inflate (wall time is).
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(durations)), "cpu-ms/op")
		})
	}
}
