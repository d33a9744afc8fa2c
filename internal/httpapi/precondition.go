package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"infocentre/internal/centre"
)

// If-Match follows RFC 9110, section 13.1.1: the header is "*" or a
// comma-separated list of entity tags; the request goes ahead only if the
// resource exists and ("*") or one listed tag matches its current ETag by
// the strong comparison (a weak tag, W/"…", never matches), and otherwise
// fails with 412. Any well-formed tag is allowed: one this server never
// made ("stale") simply does not match. Only a header that is not "*" or
// a list of entity tags is a bad request (400).
//
// The version to write is handed to the service, which makes the write
// conditional on it, so that a change between the check and the write
// still fails with 412.

// maxIfMatchTags bounds the entity tags read from one request.
const maxIfMatchTags = 64

// ifMatchHeader is a parsed If-Match header.
type ifMatchHeader struct {
	present  bool
	any      bool    // "*"
	versions []int64 // the versions named by strong tags of the form "vN"
}

// parseIfMatch parses the If-Match header lines of h (a list may come in
// one line or in several). ok is false if they are malformed.
func parseIfMatch(h http.Header) (m ifMatchHeader, ok bool) {
	lines := h.Values("If-Match")
	if len(lines) > maxIfMatchTags {
		return m, false
	}
	tags, stars := 0, 0
	for _, line := range lines {
		s := line
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" {
				break
			}
			if s[0] == ',' { // empty list elements are allowed
				s = s[1:]
				continue
			}
			m.present = true
			if s[0] == '*' {
				m.any = true
				stars++
				s = s[1:]
			} else {
				tag, rest, ok := cutEntityTag(s)
				if !ok {
					return m, false
				}
				if tags++; tags > maxIfMatchTags {
					return m, false
				}
				if n, ok := parseVersionTag(tag); ok && !seenVersion(m.versions, n) {
					m.versions = append(m.versions, n)
				}
				s = rest
			}
			s = strings.TrimLeft(s, " \t")
			if s != "" && s[0] != ',' {
				return m, false
			}
		}
	}
	// "*" stands alone: it is not a member of a list.
	if stars > 1 || (stars == 1 && tags > 0) {
		return m, false
	}
	return m, true
}

// cutEntityTag reads one entity-tag (RFC 9110, section 8.8.3) from the
// start of s and returns it and the rest of s.
func cutEntityTag(s string) (tag, rest string, ok bool) {
	i := 0
	if strings.HasPrefix(s, "W/") {
		i = 2
	}
	if i >= len(s) || s[i] != '"' {
		return "", "", false
	}
	for j := i + 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '"':
			return s[:j+1], s[j+1:], true
		case c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80: // etagc
		default:
			return "", "", false
		}
	}
	return "", "", false
}

func seenVersion(list []int64, n int64) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}

func versionTag(v int64) string { return `"v` + strconv.FormatInt(v, 10) + `"` }

// parseVersionTag returns the version of a strong entity tag this server
// makes ("v3"). Weak tags never match under If-Match.
func parseVersionTag(s string) (int64, bool) {
	if len(s) < 4 || s[0] != '"' || s[len(s)-1] != '"' || s[1] != 'v' {
		return 0, false
	}
	n, err := strconv.ParseInt(s[2:len(s)-1], 10, 64)
	return n, err == nil && n > 0 && strconv.FormatInt(n, 10) == s[2:len(s)-1]
}

// precondition evaluates If-Match for a write to the resource whose
// current version current reads, and returns the version the write must
// find (0: no If-Match). A missing header is 428 when required. On failure
// it writes the problem (428, 400, 412 or current's error) and returns
// errHandled.
func precondition(w http.ResponseWriter, r *http.Request, required bool, what string, current func(context.Context) (int64, error)) (int64, error) {
	m, ok := parseIfMatch(r.Header)
	if !ok {
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID,
			`If-Match must be "*" or a list of entity tags, like "v3" as returned in ETag by GET`, nil)
		return 0, errHandled
	}
	if !m.present {
		if !required {
			return 0, nil
		}
		writeProblem(w, r, http.StatusPreconditionRequired, "precondition_required",
			"send the ETag of the version you read in If-Match, so that no one's changes are lost", nil)
		return 0, errHandled
	}
	if len(m.versions) == 1 && !m.any {
		return m.versions[0], nil // the service checks it as it writes
	}
	v, err := current(r.Context())
	if err != nil {
		writeError(w, r, err)
		return 0, errHandled
	}
	if m.any || seenVersion(m.versions, v) {
		return v, nil
	}
	writeProblem(w, r, http.StatusPreconditionFailed, centre.EPRECONDITION,
		"no entity tag in If-Match is the current one: the "+what+" is at "+versionTag(v)+"; read it again", nil)
	return 0, errHandled
}

// entryVersion evaluates If-Match for a write to the entry in the path.
func (h *Handler) entryVersion(w http.ResponseWriter, r *http.Request, required bool) (int64, error) {
	return precondition(w, r, required, "entry", func(ctx context.Context) (int64, error) {
		e, err := h.cfg.Service.Entry(ctx, principal(ctx), r.PathValue("site"), r.PathValue("id"))
		if err != nil {
			return 0, err
		}
		return e.Version, nil
	})
}

// siteVersion evaluates If-Match for a write to the site in the path.
func (h *Handler) siteVersion(w http.ResponseWriter, r *http.Request, required bool) (int64, error) {
	return precondition(w, r, required, "site", func(ctx context.Context) (int64, error) {
		s, err := h.cfg.Service.StaffSite(ctx, principal(ctx), r.PathValue("site"))
		if err != nil {
			return 0, err
		}
		return s.Version, nil
	})
}
