package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"infocentre/internal/centre"
)

// statusOf maps each domain error code to its HTTP status: the one place
// where that happens. It reports false for any other code.
func statusOf(code string) (int, bool) {
	switch code {
	case centre.EINVALID:
		return http.StatusBadRequest, true
	case centre.EUNAUTHORIZED:
		return http.StatusUnauthorized, true
	case centre.EFORBIDDEN:
		return http.StatusForbidden, true
	case centre.ENOTFOUND:
		return http.StatusNotFound, true
	case centre.ECONFLICT:
		return http.StatusConflict, true
	case centre.EGONE:
		return http.StatusGone, true
	case centre.EPRECONDITION:
		return http.StatusPreconditionFailed, true
	case centre.EUNAVAILABLE:
		return http.StatusServiceUnavailable, true
	case centre.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, true
	case centre.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType, true
	case centre.EINTERNAL:
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail"`
	Instance  string              `json:"instance,omitempty"`
	Code      string              `json:"code"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []centre.FieldError `json:"errors,omitempty"`
}

// writeProblem answers with a problem+json body.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, fields []centre.FieldError) {
	p := Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: r.URL.Path, Code: code, RequestID: requestID(r.Context()), Errors: fields,
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	switch status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="infocentre"`)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

const retryAfterSeconds = 2

// writeError answers with the problem for err. Internal errors are logged
// with their detail and shown as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := centre.ErrorCode(err)
	status, ok := statusOf(code)
	if !ok {
		status, code = http.StatusInternalServerError, centre.EINTERNAL
	}
	if code == centre.EINTERNAL || code == centre.EUNAVAILABLE {
		logger(r.Context()).ErrorContext(r.Context(), "request failed", slog.String("error", err.Error()), slog.String("code", code))
	}
	detail := centre.ErrorMessage(err)
	if code == centre.EUNAVAILABLE && detail == "internal error" {
		detail = "the service is overloaded; retry shortly"
	}
	var fields []centre.FieldError
	var e *centre.Error
	if errors.As(err, &e) {
		fields = e.Fields
	}
	writeProblem(w, r, status, code, detail, fields)
}
