package media_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"infocentre/internal/centre"
	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
)

func inspect(t *testing.T, b []byte) (*centre.Inspection, error) {
	t.Helper()
	return media.Inspector{}.Inspect(context.Background(), bytes.NewReader(b), int64(len(b)))
}

// TestAccepted: each accepted format is recognised by its content.
func TestAccepted(t *testing.T) {
	for name, tc := range map[string]struct {
		body []byte
		want string
	}{
		"pdf":  {mediatest.PDF(2, "Annual report"), media.PDF},
		"docx": {mediatest.DOCX(), media.DOCX},
		"xlsx": {mediatest.XLSX(), media.XLSX},
		"pptx": {mediatest.PPTX(), media.PPTX},
		"odt":  {mediatest.ODT(), media.ODT},
		"ods":  {mediatest.ODS(), media.ODS},
		"csv":  {[]byte("region,cases\nnorth,12\nsouth,7\n"), media.CSV},
		"csv;": {[]byte("région;cas\nnord;12\nsud;7\n"), media.CSV},
		"txt":  {[]byte("Mesures en vigueur à partir du 3 mars.\nRestez chez vous.\n"), media.TXT},
		"png":  {mediatest.PNG(40, 30), media.PNG},
		"jpeg": {mediatest.JPEGWithGPS(40, 30, 1), media.JPEG},
		"gif":  {mediatest.GIF(40, 30), media.GIF},
	} {
		got, err := inspect(t, tc.body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.MediaType != tc.want {
			t.Errorf("%s: media type %q, want %q", name, got.MediaType, tc.want)
		}
	}
}

// TestRefused: anything else is refused with EUNSUPPORTED naming what it
// is.
func TestRefused(t *testing.T) {
	pdfZip := append(mediatest.PDF(1, "x"), mediatest.Zip("payload.js", "alert(1)")...)
	for name, tc := range map[string]struct {
		body  []byte
		found string
	}{
		"svg":         {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG"},
		"svg xml":     {[]byte("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "SVG"},
		"html":        {[]byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "HTML"},
		"html late":   {[]byte("name,value\na,<script>alert(1)</script>\n"), "HTML"},
		"exe":         {append([]byte("MZ\x90\x00"), make([]byte, 100)...), "Windows executable"},
		"elf":         {append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), "ELF"},
		"script":      {[]byte("#!/bin/sh\nrm -rf /\n"), "script"},
		"zip":         {mediatest.Zip("a.txt", "hello"), "ZIP archive"},
		"gzip":        {[]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), "gzip"},
		"docm":        {mediatest.Zip("[Content_Types].xml", "<Types/>", "word/document.xml", "<d/>", "word/vbaProject.bin", "x"), "macro"},
		"odp":         {mediatest.Zip("mimetype", "application/vnd.oasis.opendocument.presentation"), "OpenDocument"},
		"pdf+zip":     {pdfZip, "polyglot"},
		"binary":      {[]byte{0, 1, 2, 3, 200, 201, 0, 0, 9}, "binary"},
		"latin1 text": {[]byte("caf\xe9 cr\xe8me\n"), "binary"},
		"ole":         {[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 100)), "OLE"},
	} {
		_, err := inspect(t, tc.body)
		if !centre.IsCode(err, centre.EUNSUPPORTED) {
			t.Errorf("%s: %v, want EUNSUPPORTED", name, err)
			continue
		}
		if !strings.Contains(centre.ErrorMessage(err), tc.found) {
			t.Errorf("%s: %q does not name %q", name, centre.ErrorMessage(err), tc.found)
		}
	}
}

// TestDamaged: a file that starts like an accepted format but is broken is
// EINVALID, not stored.
func TestDamaged(t *testing.T) {
	png := mediatest.PNG(40, 30)
	for name, body := range map[string][]byte{
		"truncated png": png[:len(png)/2],
		"pdf header":    []byte("%PDF-1.7\nnothing else"),
	} {
		if _, err := inspect(t, body); !centre.IsCode(err, centre.EINVALID) {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

// TestPDFInfo: page count and title come from the PDF.
func TestPDFInfo(t *testing.T) {
	got, err := inspect(t, mediatest.PDF(12, "Pandemic preparedness plan"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Pages != 12 || got.Title != "Pandemic preparedness plan" || got.Kind != centre.KindDocument || got.Body != nil {
		t.Fatalf("%+v", got)
	}
}

// TestEncryptedPDF: a PDF that needs a password to open is refused with a
// message that says so (pdfcpu's own encryption makes the fixture).
func TestEncryptedPDF(t *testing.T) {
	var enc bytes.Buffer
	conf := model.NewAESConfiguration("user-secret", "owner-secret", 256)
	if err := api.Encrypt(bytes.NewReader(mediatest.PDF(3, "Locked plan")), &enc, conf); err != nil {
		t.Fatal(err)
	}
	_, err := inspect(t, enc.Bytes())
	if !centre.IsCode(err, centre.EINVALID) || !strings.Contains(err.Error(), "encrypted") {
		t.Fatalf("encrypted PDF: %v, want EINVALID saying it is encrypted", err)
	}
}

// TestJPEGMetadataRemoved: a JPEG with an APP1 Exif segment holding GPS
// coordinates and a camera serial, and a comment, is stored without any
// of it, and its orientation is applied to the pixels.
func TestJPEGMetadataRemoved(t *testing.T) {
	in := mediatest.JPEGWithGPS(64, 32, 6) // 6: rotate 90° clockwise to view
	if !bytes.Contains(in, []byte("Exif\x00\x00")) || !bytes.Contains(in, []byte(mediatest.Secret)) {
		t.Fatal("the fixture has no metadata")
	}
	got, err := inspect(t, in)
	if err != nil {
		t.Fatal(err)
	}
	out := got.Body
	for _, leak := range [][]byte{[]byte("Exif"), []byte(mediatest.Secret), {0xff, 0xe1}, {0xff, 0xfe}, []byte("MM\x00\x2a")} {
		if bytes.Contains(out, leak) {
			t.Errorf("the stored JPEG still holds %q", leak)
		}
	}
	if segs := markers(t, out); segs[0xe1] || segs[0xfe] || segs[0xed] {
		t.Errorf("the stored JPEG has metadata segments: %v", segs)
	}
	m, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6: the 64×32 picture stands as 32×64, and its top-left
	// corner was the bottom-left one (green high, red low).
	if b := m.Bounds(); b.Dx() != 32 || b.Dy() != 64 || got.Width != 32 || got.Height != 64 {
		t.Fatalf("oriented size %v, recorded %d×%d", m.Bounds(), got.Width, got.Height)
	}
	r, g, _, _ := m.At(1, 1).RGBA()
	if g>>8 < 180 || r>>8 > 80 {
		t.Fatalf("top-left pixel after orientation: r=%d g=%d", r>>8, g>>8)
	}
	for _, v := range got.Variants {
		if bytes.Contains(v.Body, []byte("Exif")) {
			t.Error("a variant holds EXIF")
		}
	}
}

// markers returns the JPEG marker segments before the scan.
func markers(t *testing.T, b []byte) map[byte]bool {
	t.Helper()
	seen := map[byte]bool{}
	for i := 2; i+4 <= len(b) && b[i] == 0xff; {
		m := b[i+1]
		if m == 0xda {
			break
		}
		seen[m] = true
		i += 2 + int(b[i+2])<<8 + int(b[i+3])
	}
	return seen
}

// TestPNGMetadataRemoved: text chunks of a PNG are not kept.
func TestPNGMetadataRemoved(t *testing.T) {
	p := mediatest.PNG(20, 10)
	// Insert a tEXt chunk after IHDR (8 + 25 bytes); its CRC is not
	// checked by decoders for ancillary chunks we drop anyway, so write a
	// correct one.
	chunk := textChunk("Comment", mediatest.Secret)
	in := append(append(append([]byte(nil), p[:33]...), chunk...), p[33:]...)
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	got, err := inspect(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got.Body, []byte(mediatest.Secret)) || bytes.Contains(got.Body, []byte("tEXt")) {
		t.Fatal("the stored PNG keeps its text chunk")
	}
}

// TestVariants: 480, 960 and 1600 px wide copies, never wider than the
// original, with the aspect ratio kept.
func TestVariants(t *testing.T) {
	for _, tc := range []struct {
		w, h  int
		wants []image.Point
	}{
		{1700, 100, []image.Point{{480, 28}, {960, 56}, {1600, 94}}},
		{1000, 300, []image.Point{{480, 144}, {960, 288}}},
		{500, 100, []image.Point{{480, 96}}},
		{480, 100, nil},
		{30, 20, nil},
	} {
		got, err := inspect(t, mediatest.PNG(tc.w, tc.h))
		if err != nil {
			t.Fatal(err)
		}
		if got.Width != tc.w || got.Height != tc.h || len(got.Variants) != len(tc.wants) {
			t.Fatalf("%d×%d: %d×%d with %d variants, want %d", tc.w, tc.h, got.Width, got.Height, len(got.Variants), len(tc.wants))
		}
		for i, v := range got.Variants {
			m, _, err := image.Decode(bytes.NewReader(v.Body))
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.wants[i]; v.Width != want.X || v.Height != want.Y || m.Bounds().Size() != want || v.Size != int64(len(v.Body)) {
				t.Errorf("%d×%d variant %d: %+v, decoded %v, want %v", tc.w, tc.h, i, v.Variant, m.Bounds().Size(), want)
			}
			if v.MediaType != media.JPEG { // opaque pictures
				t.Errorf("variant type %s", v.MediaType)
			}
		}
	}
}

// TestPolyglotImage: an image with a ZIP archive appended (a "GIFAR") is
// accepted as the image it shows, but the archive is not stored.
func TestPolyglotImage(t *testing.T) {
	in := append(mediatest.GIF(20, 20), mediatest.Zip("evil.class", "cafebabe")...)
	got, err := inspect(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.MediaType != media.GIF || bytes.Contains(got.Body, []byte("PK\x03\x04")) || bytes.Contains(got.Body, []byte("evil")) {
		t.Fatalf("stored %s with the archive inside", got.MediaType)
	}
}

// TestBombs: images that would take too much memory once decoded are
// refused before decoding.
func TestBombs(t *testing.T) {
	// A PNG header claiming 30000×30000 pixels.
	p := mediatest.PNG(1, 1)
	copy(p[16:24], []byte{0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30})
	crc := crc32IEEE(p[12:29])
	copy(p[29:33], []byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	if _, err := inspect(t, p); !centre.IsCode(err, centre.ETOOLARGE) {
		t.Fatalf("huge PNG: %v", err)
	}
}

func textChunk(key, val string) []byte {
	data := append(append([]byte(key), 0), val...)
	var b bytes.Buffer
	b.Write([]byte{byte(len(data) >> 24), byte(len(data) >> 16), byte(len(data) >> 8), byte(len(data))})
	b.WriteString("tEXt")
	b.Write(data)
	crc := crc32IEEE(append([]byte("tEXt"), data...))
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}
