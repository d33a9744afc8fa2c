package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Reflection helpers, so that the suite follows the domain types: a field
// added to Site, Entry, Key, AuditEvent or IdempotencyRecord is filled,
// normalised and compared without changes here, and a store that does not
// persist it fails RoundTrip.

var timeType = reflect.TypeFor[time.Time]()

// normalize rewrites v in place into the form every store must return:
// times in UTC truncated to milliseconds, empty slices as nil. Slices are
// cloned first, so that the caller's value is not changed.
func normalize(v reflect.Value) {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(ms(v.Interface().(time.Time))))
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				normalize(f)
			}
		}
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(v.Elem())
		v.Set(c)
		normalize(c.Elem())
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		v.Set(c)
		for i := range c.Len() {
			normalize(c.Index(i))
		}
	}
}

// norm returns a normalised copy of *p (see normalize).
func norm[T any](p *T) T {
	c := *p
	normalize(reflect.ValueOf(&c).Elem())
	return c
}

// diffFields returns the paths of the fields where got and want differ,
// like "LastChange.Note" or "Attachments[1].Size".
func diffFields(got, want reflect.Value, path string) []string {
	switch {
	case got.Type() == timeType:
		if !got.Interface().(time.Time).Equal(want.Interface().(time.Time)) {
			return []string{path}
		}
	case got.Kind() == reflect.Struct:
		var out []string
		for i := range got.NumField() {
			if !got.Type().Field(i).IsExported() {
				continue
			}
			out = append(out, diffFields(got.Field(i), want.Field(i), join(path, got.Type().Field(i).Name))...)
		}
		return out
	case got.Kind() == reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				return []string{path + " (nil and not nil)"}
			}
			return nil
		}
		return diffFields(got.Elem(), want.Elem(), path)
	case got.Kind() == reflect.Slice:
		if got.Len() != want.Len() {
			return []string{fmt.Sprintf("%s (%d items, want %d)", path, got.Len(), want.Len())}
		}
		var out []string
		for i := range got.Len() {
			out = append(out, diffFields(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return []string{path}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// differs returns the fields where the normalised *got and *want differ.
func differs[T any](got, want *T) []string {
	g, w := norm(got), norm(want)
	return diffFields(reflect.ValueOf(g), reflect.ValueOf(w), "")
}

// fill sets every exported field of the struct *p, recursively, to a
// non-zero value derived from seed: strings of lowercase letters, digits
// and hyphens, true, distinct numbers, distinct whole-millisecond times
// after Base, and two items in every slice. A field of a kind it does not
// know fails the test, so that a new kind of field is noticed.
func fill(t *testing.T, p any, seed int) {
	t.Helper()
	n := seed
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		n++
		switch {
		case v.Type() == timeType:
			v.Set(reflect.ValueOf(Base.Add(time.Duration(n)*time.Hour + time.Duration(n)*time.Millisecond)))
		case v.Kind() == reflect.String:
			v.SetString(fmt.Sprintf("%s-%d", strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(strings.ToLower(path)), n))
		case v.Kind() == reflect.Bool:
			v.SetBool(true)
		case v.CanInt():
			v.SetInt(int64(n))
		case v.CanUint():
			v.SetUint(uint64(n))
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(v.Field(i), join(path, f.Name))
				}
			}
		case v.Kind() == reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			walk(v.Elem(), path)
		case v.Kind() == reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 2, 2)
			for i := range 2 {
				walk(s.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
			v.Set(s)
		default:
			t.Fatalf("storetest: cannot fill field %s of kind %s; teach fill about it", path, v.Kind())
		}
	}
	walk(reflect.ValueOf(p).Elem(), "")
}

// zeroFields returns the paths of the zero-valued fields of *p, recursively
// (an empty slice counts as zero).
func zeroFields(p any) []string {
	var out []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch {
		case v.Type() == timeType:
			if v.Interface().(time.Time).IsZero() {
				out = append(out, path)
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(v.Field(i), join(path, f.Name))
				}
			}
		case v.Kind() == reflect.Pointer:
			if v.IsNil() {
				out = append(out, path)
			} else {
				walk(v.Elem(), path)
			}
		case v.Kind() == reflect.Slice:
			if v.Len() == 0 {
				out = append(out, path)
			}
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			if v.IsZero() {
				out = append(out, path)
			}
		}
	}
	walk(reflect.ValueOf(p).Elem(), "")
	return out
}

// nonUTC returns the paths of the non-zero times of *p that are not in UTC.
func nonUTC(p any) []string {
	var out []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch {
		case v.Type() == timeType:
			if tm := v.Interface().(time.Time); !tm.IsZero() && tm.Location() != time.UTC {
				out = append(out, path)
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(v.Field(i), join(path, f.Name))
				}
			}
		case v.Kind() == reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case v.Kind() == reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(reflect.ValueOf(p).Elem(), "")
	return out
}

// Fill sets every exported field of the struct *p, recursively, to a
// non-zero value derived from seed (see fill), for tests elsewhere that
// follow a domain type by reflection.
func Fill(t *testing.T, p any, seed int) {
	t.Helper()
	fill(t, p, seed)
}

// ZeroFields returns the paths of the zero-valued fields of *p (see
// zeroFields).
func ZeroFields(p any) []string { return zeroFields(p) }
