package edge

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"infocentre/internal/centre"
	"infocentre/internal/httpapi"
	"infocentre/internal/static"
	"infocentre/internal/web"
)

// Bucket is the static mirror in an S3 bucket (static.Mirror). A page's
// object is keyed by its URL path without the leading "/" (sites/demo/news/
// for /sites/demo/news/), so that CloudFront, failing over to the bucket,
// finds it by the path it was asked; other files by their own
// (sites/demo/feed.atom, assets/…). The copy of a site on a host of its
// own is keyed by the path the distribution's viewer-request function
// makes of the visitor's (hosts/flood.example.org/en/x/ for /en/x/ on
// flood.example.org: httpapi.ViewerHostPath).
type Bucket struct {
	Client *s3.Client
	Name   string
}

// key returns the object key of the mirror file name (static.MirrorName).
func key(name string) string {
	if strings.HasSuffix(name, "/index.html") {
		return strings.TrimSuffix(name, "index.html")
	}
	return name
}

// name returns the mirror file name of the object key k.
func name(k string) string {
	if strings.HasSuffix(k, "/") {
		return k + "index.html"
	}
	return k
}

// List returns every object whose mirror name starts with prefix, with
// the MD5 digest of its bytes (the ETag of an object written by one
// PutObject). It pages through the listing, at most 1,000 pages.
func (b *Bucket) List(ctx context.Context, prefix string) (map[string]string, error) {
	out := map[string]string{}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.Name), Prefix: aws.String(prefix)}
	for range 1000 {
		page, err := b.Client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("edge: list mirror %s/%s: %w", b.Name, prefix, err)
		}
		for _, o := range page.Contents {
			if n := name(aws.ToString(o.Key)); strings.HasPrefix(n, prefix) {
				out[n] = strings.Trim(aws.ToString(o.ETag), `"`)
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			return out, nil
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	return nil, fmt.Errorf("edge: list mirror %s/%s: more than 1,000 pages of objects", b.Name, prefix)
}

// Put writes one mirror file with its Content-Type and Cache-Control.
func (b *Bucket) Put(ctx context.Context, n string, body []byte, contentType, cacheControl string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key(n)), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body)))}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if cacheControl != "" {
		in.CacheControl = aws.String(cacheControl)
	}
	if _, err := b.Client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("edge: put mirror %s: %w", n, err)
	}
	return nil
}

// Delete removes mirror files, at most 1,000 a call.
func (b *Bucket) Delete(ctx context.Context, names []string) error {
	for len(names) > 0 {
		n := min(len(names), 1000)
		objs := make([]types.ObjectIdentifier, 0, n)
		for _, m := range names[:n] {
			objs = append(objs, types.ObjectIdentifier{Key: aws.String(key(m))})
		}
		out, err := b.Client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b.Name),
			Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("edge: delete from mirror: %w", err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("edge: delete %s from mirror: %s %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		names = names[n:]
	}
	return nil
}

var _ static.Mirror = (*Bucket)(nil)

// copies returns the Options of every copy of site the mirror keeps (with
// the handler's limits, clock and logger): below the site's base, as the
// deployment's own hosts serve it, and one per host of its own that is
// not reserved, at the root of that host, in the directory the CDN asks
// it for (hostDir).
func (h *Handler) copies(site *centre.Site) []static.Options {
	o := h.cfg.Static
	o.Now, o.Logger = h.cfg.Now(), h.cfg.Log
	base := o
	base.Prefix = web.SiteBase(site.Slug)
	out := []static.Options{base}
	for _, host := range h.ownHosts(site) {
		c := o
		c.Prefix, c.Dir, c.BaseURL = "", hostDir(host), hostOrigin(o.BaseURL, host)
		out = append(out, c)
	}
	return out
}

// ownHosts returns the host names that serve site at their root, as the
// public function finds them (lowercase, none reserved), sorted.
func (h *Handler) ownHosts(site *centre.Site) []string {
	if site == nil {
		return nil
	}
	set := map[string]bool{}
	for _, host := range site.Hosts {
		host = strings.ToLower(host)
		if host != "" && !h.cfg.Service.HostReserved(host) {
			set[host] = true
		}
	}
	return sorted(set)
}

// gaveUp returns the hosts of its own that old served the site on and now
// does not (every one when now is nil: the site is gone).
func (h *Handler) gaveUp(old, now *centre.Site) []string {
	keep := map[string]bool{}
	for _, host := range h.ownHosts(now) {
		keep[host] = true
	}
	var out []string
	for _, host := range h.ownHosts(old) {
		if !keep[host] {
			out = append(out, host)
		}
	}
	return out
}

// hostBase returns the path the CDN asks for the pages of a site on its
// own host below (template.yaml's viewer-request function).
func hostBase(host string) string { return httpapi.ViewerHostPath(host) }

// hostDir returns the mirror's directory of the copy of a site on host:
// hostBase without its leading "/" (hosts/flood.example.org).
func hostDir(host string) string { return strings.TrimPrefix(hostBase(host), "/") }

// hostOrigin returns the origin of the absolute links of the pages served
// at the root of host: the scheme and port of base (the deployment's
// PUBLIC_ORIGIN), as the public function makes them; https without one.
func hostOrigin(base, host string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return "https://" + host
	}
	if p := u.Port(); p != "" {
		return u.Scheme + "://" + host + ":" + p
	}
	return u.Scheme + "://" + host
}

// dropSite removes from the mirror every copy of the deleted site slug:
// the one below its base and those of the hosts old (its last state, nil
// if the batch lacks it) served it on, unless another site claims one now.
func (h *Handler) dropSite(ctx context.Context, slug string, old *centre.Site, rep *Report) error {
	if h.cfg.Mirror == nil {
		return nil
	}
	if err := h.drop(ctx, strings.TrimPrefix(web.SiteBase(slug), "/")+"/", rep); err != nil {
		return err
	}
	return h.dropHosts(ctx, h.gaveUp(old, nil), rep)
}

// dropHosts removes the copies of hosts that no site claims any longer;
// the copy of a host another site claims now is that site's, which its
// own change (a site record of the same stream) makes whole.
func (h *Handler) dropHosts(ctx context.Context, hosts []string, rep *Report) error {
	for _, host := range hosts {
		_, err := h.cfg.Service.SiteByHost(ctx, host)
		if err == nil {
			continue
		} else if !centre.IsCode(err, centre.ENOTFOUND) {
			return fmt.Errorf("edge: site of host %s: %w", host, err)
		}
		if err := h.drop(ctx, hostDir(host)+"/", rep); err != nil {
			return err
		}
	}
	return nil
}

// drop deletes every file of the mirror whose name starts with prefix,
// 1,000 to a request (the listing is paged and bounded by the Mirror).
func (h *Handler) drop(ctx context.Context, prefix string, rep *Report) error {
	have, err := h.cfg.Mirror.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("edge: drop %s from the mirror: %w", prefix, err)
	}
	names := make([]string, 0, len(have))
	for n := range have {
		names = append(names, n)
	}
	sort.Strings(names)
	for len(names) > 0 {
		n := min(len(names), 1000)
		if err := h.cfg.Mirror.Delete(ctx, names[:n]); err != nil {
			return fmt.Errorf("edge: drop %s from the mirror: %w", prefix, err)
		}
		rep.Deleted += n
		names = names[n:]
	}
	return nil
}
