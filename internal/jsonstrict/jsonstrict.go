// Package jsonstrict checks a JSON document against the Go type it will be
// decoded into, for what encoding/json lets pass.
//
// encoding/json matches object keys to struct fields case-insensitively
// (with Unicode folding: "ſlug" and "SLUG" both set Slug) and lets the last
// of two equal keys win, so that a proxy, a validator and this server can
// each read a different request from the same bytes. Check
// walks the document once, token by token, before it is decoded, and
// refuses both: every key must be exactly a json name of the field it
// sets, and no object may repeat a key.
package jsonstrict

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// maxJSONDepth bounds the nesting Check follows; the documents it checks
// nest a few levels at most.
const maxJSONDepth = 32

// Error names the first field of a document that Check refuses, as a path
// like "title", "contact.email" or "attachments[0].title" ("body" for the
// document itself).
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string { return e.Field + " " + e.Reason }

// Check checks the JSON document body against the type of v, which it
// will be decoded into: a key that names no field exactly (in particular
// one that differs from a field name in case only) and a key given twice
// in one object are refused with an *Error. A document that is not valid
// JSON is left to the decoder (Check returns nil), so that its syntax
// error is reported in the usual way.
func Check(body []byte, v any) error {
	if all := CheckAll(body, v); len(all) > 0 {
		return all[0]
	}
	return nil
}

// MaxProblems bounds the problems CheckAll reports.
const MaxProblems = 50

// CheckAll is Check that goes on after a refused key and returns every
// problem of the document (at most MaxProblems), in document order.
func CheckAll(body []byte, v any) []*Error {
	if !json.Valid(body) {
		return nil
	}
	w := &nameWalker{dec: json.NewDecoder(bytes.NewReader(body))}
	w.dec.UseNumber()
	err := w.value(reflect.TypeOf(v), "", 0)
	var fe *Error
	if errors.As(err, &fe) { // too deep: the walk stopped there
		w.problems = append(w.problems, fe)
	}
	return w.problems
}

type nameWalker struct {
	dec      *json.Decoder
	problems []*Error
}

// note records a problem; it returns an error (ending the walk) once
// there are MaxProblems.
func (w *nameWalker) note(path, reason string) error {
	if path == "" {
		path = "body"
	}
	w.problems = append(w.problems, &Error{Field: path, Reason: reason})
	if len(w.problems) >= MaxProblems {
		return errors.New("jsonstrict: too many problems")
	}
	return nil
}

func fieldProblem(path, reason string) error {
	if path == "" {
		path = "body"
	}
	return &Error{Field: path, Reason: reason}
}

// value reads one JSON value that decodes into t (nil: anything) at path.
func (w *nameWalker) value(t reflect.Type, path string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar
	}
	if depth >= maxJSONDepth {
		return fieldProblem(path, "is nested too deeply")
	}
	t = deref(t)
	switch d {
	case '{':
		fields, known := objectFields(t)
		seen := map[string]bool{}
		for w.dec.More() {
			tok, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			at := key
			if path != "" {
				at = path + "." + key
			}
			var ft reflect.Type
			if seen[key] {
				if err := w.note(at, "is given twice; give each field once"); err != nil {
					return err
				}
			}
			seen[key] = true
			if known {
				f, ok := fields[key]
				if !ok {
					if err := w.note(at, unknownReason(fields, key)); err != nil {
						return err
					}
				}
				ft = f // nil for an unknown key: its value is read, unchecked
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			if err := w.value(ft, at, depth+1); err != nil {
				return err
			}
		}
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && !opaque(t) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
	}
	_, err = w.dec.Token() // the closing delimiter
	return err
}

// unknownReason explains why key is not a field, pointing at the field it
// differs from in case only, if there is one.
func unknownReason(fields map[string]reflect.Type, key string) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return "is not a known field: field names are case-sensitive (did you mean " + strconv.Quote(name) + "?)"
		}
	}
	return "is not a known field"
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// opaque reports whether t decodes itself (time.Time and the like): its
// keys are its own business, though duplicates are still refused.
func opaque(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
}

// objectFields returns the json names of the fields of struct type t and
// their types, with the fields of embedded structs promoted as
// encoding/json promotes them. known is false when t is not a plain struct
// (a map, an interface, a type that decodes itself): any key is accepted.
func objectFields(t reflect.Type) (fields map[string]reflect.Type, known bool) {
	if t == nil || t.Kind() != reflect.Struct || opaque(t) {
		return nil, false
	}
	fields = map[string]reflect.Type{}
	addFields(fields, t, 0)
	return fields, true
}

func addFields(fields map[string]reflect.Type, t reflect.Type, depth int) {
	// Fields of the outer struct win over promoted ones: add them first,
	// then the embedded structs' fields that are not taken.
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := deref(f.Type); et.Kind() == reflect.Struct && depth < maxJSONDepth {
				embedded = append(embedded, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	for _, et := range embedded {
		inner := map[string]reflect.Type{}
		addFields(inner, et, depth+1)
		for name, ft := range inner {
			if _, taken := fields[name]; !taken {
				fields[name] = ft
			}
		}
	}
}
