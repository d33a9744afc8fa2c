package search

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"infocentre/internal/centre"
)

const benchDocs = 10000

var (
	benchOnce  sync.Once
	benchCorp  []Doc
	benchIndex *Index
)

func benchSetup(b *testing.B) *Index {
	benchOnce.Do(func() {
		benchCorp = generate(benchDocs, 1)
		ix, err := Build(benchCorp)
		if err != nil {
			panic(err)
		}
		benchIndex = ix
	})
	return benchIndex
}

// benchQueries is a mix of what visitors type: words, search-as-you-type
// prefixes, phrases, other languages, filters and filtered listings.
var benchQueries = []Query{
	{Text: "vaccination"},
	{Text: "masks"},
	{Text: "hospital procurement"},
	{Text: "vacc"},
	{Text: "h"},
	{Text: "intensive care capac"},
	{Text: `"public health" guidance`},
	{Text: "testing capacity laboratories"},
	{Text: "santé publique"},
	{Text: "réanimation"},
	{Text: "Schutzausrüstung"},
	{Text: "Krankenhäuser Beschaffung"},
	{Text: "the supply of protective equipment during the pandemic"},
	{Text: "oxygen", Type: centre.TypeStatement},
	{Text: "schools", Lang: "en"},
	{Text: "masks", Tag: "ppe"},
	{Text: "pandemic", From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)},
	{Text: "patients", Organisation: "Patients' Forum Europe"},
	{Text: "health", Limit: 20, After: "100"},
	{},
	{Type: centre.TypeNews},
	{Tag: "oxygen", Lang: "de"},
}

// BenchmarkBuild measures building the index of 10,000 documents from
// scratch, as a host does when it starts.
func BenchmarkBuild(b *testing.B) {
	docs := generate(benchDocs, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(docs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
}

// BenchmarkDecodeAndBuild measures reloading a persisted index.
func BenchmarkDecodeAndBuild(b *testing.B) {
	ix := benchSetup(b)
	data, _ := ix.MarshalBinary()
	for b.Loop() {
		if err := New().UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/float64(benchDocs), "bytes/doc")
}

// BenchmarkSearch runs the query mix against 10,000 documents, warm and
// in-process, and reports the latency percentiles over every query run.
func BenchmarkSearch(b *testing.B) {
	ix := benchSetup(b)
	ctx := context.Background()
	for _, q := range benchQueries { // warm up
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatalf("%+v: %v", q, err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		i++
		start := time.Now()
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	p50, p95, p99 := percentiles(lat)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}

func percentiles(lat []time.Duration) (p50, p95, p99 time.Duration) {
	if len(lat) == 0 {
		return
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.95), at(0.99)
}

// TestReportLatency prints the build time of 10,000 documents and the
// latency of each query of the benchmark mix (warm, in-process). It runs
// only with SEARCH_REPORT set: SEARCH_REPORT=1 go test -run ReportLatency -v ./internal/search
func TestReportLatency(t *testing.T) {
	if os.Getenv("SEARCH_REPORT") == "" {
		t.Skip("set SEARCH_REPORT=1 to measure")
	}
	docs := generate(benchDocs, 1)
	var builds []time.Duration
	var ix *Index
	for range 5 {
		start := time.Now()
		var err error
		if ix, err = Build(docs); err != nil {
			t.Fatal(err)
		}
		builds = append(builds, time.Since(start))
	}
	b50, _, _ := percentiles(builds)
	t.Logf("build of %d documents: median %v over %d builds", benchDocs, b50.Round(time.Millisecond), len(builds))
	ctx := context.Background()
	var all []time.Duration
	for _, q := range benchQueries {
		var lat []time.Duration
		var res Result
		for range 200 {
			start := time.Now()
			var err error
			if res, err = ix.Search(ctx, q); err != nil {
				t.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		all = append(all, lat...)
		p50, p95, _ := percentiles(lat)
		t.Logf("%-70s total %5d  p50 %6.2f ms  p95 %6.2f ms", fmt.Sprintf("%+v", q), res.Total,
			float64(p50.Microseconds())/1000, float64(p95.Microseconds())/1000)
	}
	p50, p95, p99 := percentiles(all)
	t.Logf("all %d searches: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", len(all),
		float64(p50.Microseconds())/1000, float64(p95.Microseconds())/1000, float64(p99.Microseconds())/1000)
}
