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
	"sort"
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
	_, err := decodeJSONBody(w, r, maxBody, v)
	return err
}

// decodeJSONBody is decodeJSON that also returns the body it decoded.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, maxBody int64, v any) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		writeProblem(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"the request body must be application/json", nil)
		return nil, errHandled
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the request body must be at most %d bytes", maxBody), nil)
		return nil, errHandled
	} else if err != nil {
		writeProblem(w, r, http.StatusBadRequest, centre.EINVALID, "the request body could not be read", nil)
		return nil, errHandled
	}
	if perr := unmarshalStrict(body, v); perr != nil {
		writeError(w, r, perr)
		return nil, errHandled
	}
	return body, nil
}

// unmarshalStrict decodes one JSON object, refusing unknown fields, field
// names that differ from the documented ones in case only, a field given
// twice (at any depth), values of the wrong type and trailing data. It
// names every bad field in one error (at most jsonstrict.MaxProblems); a
// body that is not JSON at all is said to be so, with the byte offset
// where it stops being JSON.
func unmarshalStrict(body []byte, v any) error {
	if err := notJSON(body); err != nil {
		return err
	}
	var p centre.Problems
	for _, e := range jsonstrict.CheckAll(body, v) {
		p.Add(e.Field, "%s", e.Reason)
	}
	var members map[string]json.RawMessage
	if t := reflect.TypeOf(v); json.Unmarshal(body, &members) == nil && t.Kind() == reflect.Pointer {
		keys := make([]string, 0, len(members))
		for k := range members {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i >= jsonstrict.MaxProblems {
				break
			}
			one, _ := json.Marshal(map[string]json.RawMessage{k: members[k]})
			if err := json.Unmarshal(one, reflect.New(t.Elem()).Interface()); err != nil {
				field, reason := decodeProblem(t, k, err)
				p.Add(field, "%s", reason)
			}
		}
	} else if err := json.Unmarshal(body, new(map[string]json.RawMessage)); err != nil {
		p.Add("body", "must be a JSON object")
	}
	if err := p.Err(); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		field, reason := decodeProblem(reflect.TypeOf(v), "", err)
		return &centre.Error{Code: centre.EINVALID, Message: "invalid fields: " + field,
			Fields: []centre.FieldError{{Field: field, Reason: reason}}}
	}
	return nil
}

// notJSON returns the error for a body that is not one JSON value: empty,
// malformed (with the byte offset) or followed by more data; nil for a
// body that is one JSON value.
func notJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var x json.RawMessage // not any: a number too large for float64 is still JSON
	err := dec.Decode(&x)
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return centre.Errorf(centre.EINVALID, "the request body is empty; a JSON object is required")
	case errors.As(err, &syntaxErr):
		return centre.Errorf(centre.EINVALID, "the request body is not valid JSON: %s (at byte %d)", syntaxErr.Error(), syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return centre.Errorf(centre.EINVALID, "the request body is not valid JSON: it ends before the JSON value does (at byte %d)", len(body))
	case err != nil:
		return centre.Errorf(centre.EINVALID, "the request body is not valid JSON: %s", err.Error())
	}
	if dec.More() {
		return centre.Errorf(centre.EINVALID, "the request body is not valid JSON: there is data after the JSON object (at byte %d)", dec.InputOffset())
	}
	return nil
}

// decodeProblem names the field of a decoding error of type t (the
// top-level member key, when one member was decoded alone) and says what
// is wrong with it.
func decodeProblem(t reflect.Type, key string, err error) (field, reason string) {
	field, reason = key, "is not valid: "+err.Error()
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		if f := jsonPath(t, typeErr.Field); f != "" {
			field = f
		}
		reason = "must be " + jsonKind(typeErr.Type.Kind().String()) + ", not " + typeErr.Value
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		unknown := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if field == "" {
			field = unknown
		}
		reason = "is not a known field"
	case strings.Contains(err.Error(), "parsing time"):
		reason = "must be an RFC 3339 time like 2026-03-01T09:00:00Z"
	}
	if field == "" {
		field = "body"
	}
	return field, reason
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
