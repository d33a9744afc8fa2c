package edge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"infocentre/internal/centre"
	"infocentre/internal/dynamostore"
	"infocentre/internal/static"
)

// Config wires a Handler.
type Config struct {
	// Service reads the sites and renders their pages for the mirror.
	Service *centre.Service
	// Purger invalidates the CDN's caches; nil purges nothing.
	Purger *Purger
	// Mirror is the static mirror; nil keeps none. Static configures its
	// pages (BaseURL: the deployment's PUBLIC_ORIGIN; the limits bound
	// the work of one batch, Timeout all of it); its Prefix, Dir and Now
	// are set per copy and call.
	Mirror static.Mirror
	Static static.Options
	// Log receives one line per batch and the metric (CloudWatch embedded
	// metric format); nil discards them.
	Log *slog.Logger
	// Metrics receives the embedded-metric-format line of each batch (on
	// Lambda, standard output); nil leaves it out.
	Metrics io.Writer
	// Namespace and Stage name the metric (namespace "infocentre" by
	// default, dimension Stage).
	Namespace, Stage string
	// Now is the clock (time.Now by default).
	Now func() time.Time
}

// Handler applies the stream's changes to the edge.
type Handler struct{ cfg Config }

// New returns the Handler cfg wires.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "infocentre"
	}
	return &Handler{cfg: cfg}
}

// Record is one stream record: its id, its time and what it changed.
type Record struct {
	ID      string
	Created time.Time
	Change  Change
}

// Records decodes the records of a stream event that concern the public
// (entries and sites; see dynamostore.ChangeOf). The error names the
// record that cannot be decoded.
func Records(ev events.DynamoDBEvent) ([]Record, error) {
	var out []Record
	for _, r := range ev.Records {
		c, ok, err := dynamostore.ChangeOf(image(r.Change.OldImage), image(r.Change.NewImage))
		if err != nil {
			return nil, fmt.Errorf("edge: stream record %s: %w", r.EventID, err)
		}
		if ok {
			out = append(out, Record{ID: r.EventID, Created: r.Change.ApproximateCreationDateTime.Time, Change: c})
		}
	}
	return out, nil
}

// Report is what one batch did.
type Report struct {
	Records int            // records about entries and sites
	Kinds   map[string]int // records by Kind
	Sites   int            // sites affected
	Paths   int            // paths invalidated (wildcards count one each)
	Wild    []string       // sites purged by wildcard
	// Invalidations are the ids CloudFront gave.
	Invalidations []string
	// Mirror counts the mirror's files rendered, written (changed) and
	// deleted, and how long it took.
	Rendered, Written, Deleted int
	MirrorTime                 time.Duration
	// Delay is from the oldest record's creation to the end of the
	// purge: the edge's share of the time a change takes to show.
	Delay time.Duration
}

// Handle is the Lambda handler of the stream: it applies the event's
// records and returns an error (so that Lambda retries the batch, split
// in halves) when the mirror or the purge failed.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) error {
	recs, err := Records(ev)
	if err != nil {
		return err
	}
	_, err = h.Apply(ctx, recs)
	return err
}

type siteWork struct {
	slugs map[string]bool
	all   bool
	old   *centre.Site
}

// Apply renders the mirror pages and purges the paths that recs affect,
// site by site: a site's settings, banner or state rerenders its whole
// mirror (static.Options.Sync) and purges its wildcards; an entry's change
// rerenders and purges the pages SitePaths names. The purge follows the
// mirror, so that a failover after it already finds the new pages. It is
// idempotent: the same records again give the same invalidations (their
// caller reference is made of the records' ids) and rewrite nothing.
func (h *Handler) Apply(ctx context.Context, recs []Record) (*Report, error) {
	rep := &Report{Kinds: map[string]int{}}
	work := map[string]*siteWork{}
	var oldest time.Time
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		k := Kind(r.Change)
		rep.Records++
		rep.Kinds[k]++
		if k == "" {
			continue
		}
		ids = append(ids, r.ID)
		if oldest.IsZero() || (!r.Created.IsZero() && r.Created.Before(oldest)) {
			oldest = r.Created
		}
		w := work[r.Change.Site]
		if w == nil {
			w = &siteWork{slugs: map[string]bool{}}
			work[r.Change.Site] = w
		}
		if k == "site" {
			w.all = true
			if r.Change.OldSite != nil {
				w.old = r.Change.OldSite
			}
			continue
		}
		for _, e := range []*centre.Entry{r.Change.OldEntry, r.Change.NewEntry} {
			if visible(e) {
				w.slugs[e.Slug] = true
			}
		}
	}
	slugs := make([]string, 0, len(work))
	for s := range work {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	rep.Sites = len(slugs)
	var purges []SitePurge
	start := time.Now()
	// Every copy of every site shares the batch's time (Static.Timeout,
	// which also bounds each copy): a site on hosts of its own is
	// rendered once more per host. The purge has the caller's.
	outer := ctx
	if t := h.cfg.Static.Timeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, t,
			centre.Errorf(centre.ETOOLARGE, "the edge's batch of %d records takes longer than the limit of %s", len(recs), t))
		defer cancel()
	}
	for _, slug := range slugs {
		w := work[slug]
		site, err := h.cfg.Service.Site(ctx, slug)
		if centre.IsCode(err, centre.ENOTFOUND) {
			// A site deleted: its copies leave the mirror, and what it
			// had is purged.
			if err := h.dropSite(ctx, slug, w.old, rep); err != nil {
				return rep, stopped(ctx, err)
			}
			if w.old != nil {
				sp := SitePurge{Site: slug, Paths: Wildcards(w.old), Wildcards: Wildcards(w.old)}
				purges = append(purges, sp)
			}
			continue
		} else if err != nil {
			return rep, stopped(ctx, fmt.Errorf("edge: site %s: %w", slug, err))
		}
		var paths []string
		if !w.all {
			set := map[string]bool{}
			for _, r := range recs {
				if r.Change.Site != slug {
					continue
				}
				ps, _ := SitePaths(site, r.Change)
				for _, p := range ps {
					set[p] = true
				}
			}
			paths = sorted(set)
		}
		if h.cfg.Mirror != nil {
			for _, c := range h.copies(site) {
				var res *static.Result
				if w.all {
					res, err = c.Sync(ctx, h.cfg.Service, slug, h.cfg.Mirror)
				} else {
					res, err = c.Update(ctx, h.cfg.Service, slug, h.cfg.Mirror, paths)
				}
				if err != nil {
					return rep, stopped(ctx, fmt.Errorf("edge: mirror of site %s (%s%s): %w", slug, c.Prefix, c.Dir, err))
				}
				rep.Rendered += res.Files
				rep.Written += res.Files - res.Unchanged
				rep.Deleted += res.Deleted
			}
			if w.old != nil {
				if err := h.dropHosts(ctx, h.gaveUp(w.old, site), rep); err != nil {
					return rep, stopped(ctx, err)
				}
			}
		}
		var changed []string
		for s := range w.slugs {
			changed = append(changed, s)
		}
		sort.Strings(changed)
		sp := SitePurge{Site: slug, Wildcards: Wildcards(site)}
		if w.all {
			sp.Paths = sp.Wildcards
		} else {
			sp.Paths = PurgePaths(site, paths, changed, false)
		}
		if w.old != nil && len(w.old.Hosts) > 0 {
			// Hosts the site gave up still have its pages cached ("/*"
			// covers their paths below /hosts/ too).
			sp.Paths = append(sp.Paths, "/*")
			sp.Wildcards = append(sp.Wildcards, "/*")
		}
		purges = append(purges, sp)
	}
	rep.MirrorTime = time.Since(start)
	if h.cfg.Purger != nil && len(purges) > 0 {
		batches, wild := h.cfg.Purger.Plan(purges)
		rep.Wild = wild
		sum := sha256.Sum256([]byte(fmt.Sprint(ids)))
		ref := hex.EncodeToString(sum[:16])
		for i, b := range batches {
			id, err := h.cfg.Purger.Invalidate(outer, ref+"-"+strconv.Itoa(i), b)
			if err != nil {
				h.cfg.Log.ErrorContext(outer, "edge purge failed", slog.String("error", err.Error()), slog.Int("paths", len(b)))
				return rep, err
			}
			rep.Paths += len(b)
			rep.Invalidations = append(rep.Invalidations, id)
		}
	}
	if !oldest.IsZero() {
		rep.Delay = h.cfg.Now().Sub(oldest)
	}
	h.report(outer, rep)
	return rep, nil
}

// stopped returns the cause of ctx's end (the batch's time limit) when
// ctx has ended with one, else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
			return cause
		}
	}
	return err
}

// report logs the batch and writes its metric line.
func (h *Handler) report(ctx context.Context, rep *Report) {
	h.cfg.Log.InfoContext(ctx, "edge batch",
		slog.Int("records", rep.Records), slog.Any("kinds", rep.Kinds), slog.Int("sites", rep.Sites),
		slog.Int("paths", rep.Paths), slog.Any("wildcard_sites", rep.Wild), slog.Any("invalidations", rep.Invalidations),
		slog.Int("mirror_rendered", rep.Rendered), slog.Int("mirror_written", rep.Written), slog.Int("mirror_deleted", rep.Deleted),
		slog.Int64("mirror_ms", rep.MirrorTime.Milliseconds()), slog.Int64("delay_ms", rep.Delay.Milliseconds()))
	if h.cfg.Metrics == nil {
		return
	}
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": h.cfg.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  h.cfg.Namespace,
				"Dimensions": [][]string{{"Stage"}},
				"Metrics": []any{
					map[string]string{"Name": "EdgePurgedPaths", "Unit": "Count"},
					map[string]string{"Name": "EdgeMirrorWritten", "Unit": "Count"},
					map[string]string{"Name": "EdgeMirrorMilliseconds", "Unit": "Milliseconds"},
					map[string]string{"Name": "EdgePurgeDelayMilliseconds", "Unit": "Milliseconds"},
				},
			}},
		},
		"Stage":                      h.cfg.Stage,
		"EdgePurgedPaths":            rep.Paths,
		"EdgeMirrorWritten":          rep.Written,
		"EdgeMirrorMilliseconds":     rep.MirrorTime.Milliseconds(),
		"EdgePurgeDelayMilliseconds": rep.Delay.Milliseconds(),
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(h.cfg.Metrics, string(b))
}

// image converts a stream image to the SDK's attribute values (nil for
// none).
func image(m map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = value(v)
	}
	return out
}

func value(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, x := range l {
			out[i] = value(x)
		}
		return &types.AttributeValueMemberL{Value: out}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: image(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}
