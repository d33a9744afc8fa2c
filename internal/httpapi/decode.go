package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"infocentre/internal/centre"
	"infocentre/internal/jsonstrict"
)

// errHandled means the response has already been written.
var errHandled = errors.New("response written")

// decodeJSON reads the request body into v: it must be application/json,
// at most maxBody bytes, one JSON object with no unknown fields. On failure
// it writes the problem (415, 413 or 400) and returns errHandled.
func decodeJSON(w http.ResponseWriter, r *http.Request, maxBody int64, v any) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"the request body must be application/json", nil)
		return errHandled
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the request body must be at most %d bytes", maxBody), nil)
		return errHandled
	} else if err != nil {
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, "the request body could not be read", nil)
		return errHandled
	}
	if perr := unmarshalStrict(body, v); perr != nil {
		writeError(w, r, perr)
		return errHandled
	}
	return nil
}

// unmarshalStrict decodes one JSON object, refusing unknown fields, field
// names that differ from the documented ones in case only, a field given
// twice (at any depth) and trailing data, and names the offending field.
func unmarshalStrict(body []byte, v any) error {
	var strict *jsonstrict.Error
	if errors.As(jsonstrict.Check(body, v), &strict) {
		return &centre.Error{Code: centre.EINVALID, Message: "invalid fields: " + strict.Field,
			Fields: []centre.FieldError{{Field: strict.Field, Reason: strict.Reason}}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return nil
	}
	field, reason := "body", "is not valid JSON: "+err.Error()
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field = jsonPath(reflect.TypeOf(v), typeErr.Field)
		if field == "" {
			field = "body"
		}
		reason = "must be " + jsonKind(typeErr.Type.Kind().String()) + ", not " + typeErr.Value
	case errors.As(err, &syntaxErr):
		reason = fmt.Sprintf("is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		reason = "is empty; a JSON object is required"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		reason = "is not a known field"
		if field == "" {
			field, reason = "body", `has a field with an empty name ""`
		}
	default:
		if f := badField(body, v); f != "" {
			field = f
			reason = "is not valid: " + err.Error()
		}
		if strings.Contains(err.Error(), "parsing time") {
			reason = "must be an RFC 3339 time like 2026-03-01T09:00:00Z"
		}
	}
	return &centre.Error{Code: centre.EINVALID, Message: "invalid fields: " + field,
		Fields: []centre.FieldError{{Field: field, Reason: reason}}}
}

// badField finds which top-level field of body fails to decode into the
// matching field of the struct v points to, for errors the decoder reports
// without a field name (such as a malformed time).
func badField(body []byte, v any) string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return ""
	}
	for _, f := range reflect.VisibleFields(t.Elem()) {
		if f.Anonymous || !f.IsExported() {
			continue // an embedded struct's fields are listed on their own
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		val, ok := raw[name]
		if !ok {
			continue
		}
		if json.Unmarshal(val, reflect.New(f.Type).Interface()) != nil {
			return name
		}
	}
	return ""
}

// jsonPath turns the field path of a decoding error into the JSON names a
// client sent: encoding/json names the Go type of an embedded struct
// ("Content.title"), which is no part of the wire format.
func jsonPath(t reflect.Type, path string) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return path
	}
	var out []string
	for _, part := range strings.Split(path, ".") {
		if f, ok := t.FieldByName(part); ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type
			continue
		}
		out = append(out, part)
	}
	return strings.Join(out, ".")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	}
	return "a " + k
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
