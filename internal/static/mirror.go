package static

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"

	"infocentre/internal/centre"
)

// A Mirror holds static copies of sites as named files, each copy below
// its site's Prefix (/sites/{site}) or its Dir (hosts/{host}, the copy of
// a site on a host of its own) and the stylesheets in /assets/, as
// Export would write them: the edge's mirror bucket (internal/edge) that
// the CDN serves when the deployment fails.
type Mirror interface {
	// List returns the name of every file whose name starts with prefix,
	// with the hex MD5 digest of its bytes.
	List(ctx context.Context, prefix string) (map[string]string, error)
	// Put stores body as the file name, with the Content-Type and
	// Cache-Control the public function answers it with.
	Put(ctx context.Context, name string, body []byte, contentType, cacheControl string) error
	// Delete removes the files names (missing ones are not an error).
	Delete(ctx context.Context, names []string) error
}

// MirrorName returns the name of the file of a mirror (and the key of the
// edge's bucket) that holds the page, feed or file at the URL path p: p
// without its leading "/", with "index.html" after a page's final "/".
func MirrorName(p string) string {
	if strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	return strings.TrimPrefix(p, "/")
}

// Sync makes m's copy of the site siteSlug equal to a fresh Export with
// the same Options and NoAPI (o.Prefix or o.Dir must be set; with Dir, the
// export's files below Dir, and none of /sites/): every page is rendered again,
// only files whose bytes changed are written, and files below the prefix
// that are no longer part of the site are deleted. The stylesheets in
// /assets/ are shared by every site and only added.
func (o Options) Sync(ctx context.Context, svc *centre.Service, siteSlug string, m Mirror) (*Result, error) {
	return o.mirror(ctx, svc, siteSlug, m, nil)
}

// Update brings m's copy of the site siteSlug up to date after a change
// that affected the pages at paths (below the site's base, as
// internal/web names them): it renders those again, and with them every
// further page of a list it renders (a publication moves every entry of
// the lists it is in), and whatever they link to that m lacks (a new tag
// page, an attached file, a new stylesheet). A path that is no longer
// found is deleted from m, with the further pages of its list. Files
// whose bytes did not change are not written. For a change that affects
// every page (the site's settings, banner or state) use Sync.
func (o Options) Update(ctx context.Context, svc *centre.Service, siteSlug string, m Mirror, paths []string) (*Result, error) {
	if len(paths) == 0 {
		return &Result{}, nil
	}
	return o.mirror(ctx, svc, siteSlug, m, paths)
}

// validDir reports whether d names a directory of a mirror that no other
// copy uses: a clean relative path, not below sites/ or assets/.
func validDir(d string) bool {
	return d != "" && !strings.HasPrefix(d, "/") && !strings.HasSuffix(d, "/") && path.Clean(d) == d && d != "." &&
		!strings.HasPrefix(d, "../") && d != ".." && !strings.HasPrefix(d+"/", "sites/") && !strings.HasPrefix(d+"/", "assets/")
}

// pagination matches the path of a further page of a list: its list's
// path, then page/N/.
var pagination = regexp.MustCompile(`^(.*/)page/[0-9]+/$`)

func (o Options) mirror(ctx context.Context, svc *centre.Service, siteSlug string, m Mirror, paths []string) (*Result, error) {
	if o.Prefix == "" && o.Dir == "" {
		return nil, centre.Errorf(centre.EINVALID, "a mirror holds each site below its prefix (/sites/%s) or a directory: set Options.Prefix or Options.Dir", siteSlug)
	}
	maxPages, maxBytes, timeout := o.limits()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout,
		centre.Errorf(centre.ETOOLARGE, "the mirror update of site %q takes longer than the limit of %s", siteSlug, timeout))
	defer cancel()
	origin, err := o.origin()
	if err != nil {
		return nil, err
	}
	x, err := o.newExporter(ctx, svc, siteSlug, origin, maxPages, maxBytes)
	if err != nil {
		return nil, err
	}
	dir := x.dir
	base := strings.TrimSuffix(MirrorName(dir+"/"), "index.html")
	have, err := m.List(ctx, base)
	if err != nil {
		return nil, err
	}
	assets, err := m.List(ctx, "assets/")
	if err != nil {
		return nil, err
	}
	for k, v := range assets {
		have[k] = v
	}
	written := map[string]bool{}
	x.put = func(name string, body []byte, hdr http.Header) error {
		written[name] = true
		sum := md5.Sum(body)
		digest := hex.EncodeToString(sum[:])
		if have[name] == digest {
			x.res.Unchanged++
			return nil
		}
		if err := m.Put(ctx, name, body, hdr.Get("Content-Type"), hdr.Get("Cache-Control")); err != nil {
			return err
		}
		have[name] = digest
		return nil
	}
	var gone []string
	x.gone = func(name string) {
		if _, ok := have[name]; ok {
			gone = append(gone, name)
			delete(have, name)
		}
	}
	var seeds []string
	if paths == nil {
		seeds = x.seeds()
	} else {
		// Render the changed paths, their lists' further pages (each
		// link to the next is followed; those past the new end are
		// taken from m, to be found gone), and what m lacks.
		// Files other than pages are seeded only when m has them: a
		// document the whole copy does not reach (cap.xml) stays out.
		for _, p := range paths {
			if _, ok := have[x.name(p, "")]; ok || strings.HasSuffix(p, "/") {
				seeds = append(seeds, p)
			}
		}
		n := len(seeds)
		for _, p := range paths {
			if !strings.HasSuffix(p, "/") {
				continue
			}
			below := MirrorName(dir + p + "page/")
			below = strings.TrimSuffix(below, "index.html")
			for name := range have {
				if strings.HasPrefix(name, below) {
					seeds = append(seeds, "/"+strings.TrimSuffix(strings.TrimPrefix(name, base), "index.html"))
				}
			}
		}
		sort.Strings(seeds[n:])
		x.follow = func(p, from string) bool {
			if _, ok := have[x.name(p, "")]; !ok {
				return true
			}
			if mm := pagination.FindStringSubmatch(p); mm != nil {
				return from == mm[1] || pagination.FindStringSubmatch(from) != nil && strings.HasPrefix(from, mm[1])
			}
			return false
		}
	}
	if err := x.pages(func(string, int, int) {}, seeds); err != nil {
		return nil, x.stopped(err)
	}
	if paths == nil {
		// A whole copy: what it did not write is no longer part of it.
		for name := range have {
			if !written[name] && !strings.HasPrefix(name, "assets/") {
				gone = append(gone, name)
			}
		}
	}
	sort.Strings(gone)
	for len(gone) > 0 {
		n := min(len(gone), 1000)
		if err := m.Delete(ctx, gone[:n]); err != nil {
			return nil, err
		}
		x.res.Deleted += n
		gone = gone[n:]
	}
	sort.Strings(x.res.Broken)
	return x.res, nil
}
