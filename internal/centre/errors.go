// Package centre holds infocentre's domain: sites, entries, staff keys, the
// rules that govern them and the Store contract that every storage backend
// implements. It imports nothing from AWS or any database.
package centre

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in internal/httpapi.
const (
	EINVALID      = "invalid"                // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"              // the thing does not exist (or is not visible to the caller)
	ECONFLICT     = "conflict"               // a unique value is taken, or the state forbids the change
	EPRECONDITION = "precondition"           // the caller's expected version does not match
	EUNAUTHORIZED = "unauthorized"           // no valid credentials
	EFORBIDDEN    = "forbidden"              // valid credentials, but not for this site or action
	EGONE         = "gone"                   // the thing existed and was removed for good
	EUNAVAILABLE  = "unavailable"            // a dependency is overloaded or down; retry later
	ETOOLARGE     = "too_large"              // the request or its answer is larger than a limit allows
	EUNSUPPORTED  = "unsupported_media_type" // the content is of a type that is not accepted
	EINTERNAL     = "internal"               // a bug or an unexpected failure; never shown in detail
)

// Error is the domain error. Message is safe to show to the caller; it never
// carries internal detail. Fields names each bad input field for EINVALID.
// Err is the underlying cause, if any (a database or network error behind
// EUNAVAILABLE, say): errors.Is and errors.As see it through Unwrap, and
// Error includes it for logs, but it is never shown to the caller.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

// FieldError names one invalid field and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Reason
		}
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause of e, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with the given code and formatted message whose
// cause is err.
func Wrap(err error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of an
// *Error, or "internal error" for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }

// Problems collects field errors during validation.
type Problems struct{ list []FieldError }

// Add records that field is invalid for reason.
func (p *Problems) Add(field, format string, args ...any) {
	p.list = append(p.list, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID *Error naming every recorded field, or nil.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), p.list...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.Field)
	}
	return &Error{Code: EINVALID, Message: "invalid fields: " + strings.Join(dedupe(names), ", "), Fields: fields}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// mergeInvalid joins validation errors into one EINVALID error naming
// every bad field; a nil error adds nothing, and an error of another code
// is returned as it is.
func mergeInvalid(errs ...error) error {
	var p Problems
	for _, err := range errs {
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID {
			return err
		}
		p.list = append(p.list, e.Fields...)
	}
	return p.Err()
}
