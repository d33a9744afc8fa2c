// Package media decides what an upload is from its content — magic bytes
// and, for office documents, their zip structure — never from its name or
// the client's Content-Type, and prepares what is stored: images decoded
// and re-encoded without metadata, with resized variants; PDF page count
// and title. It implements centre.Inspector.
//
// Accepted: PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV and plain text (valid
// UTF-8 without NULs, not HTML), PNG, JPEG, WebP and GIF. Everything else
// — SVG, HTML, executables, plain archives, macro-enabled documents and
// files that are two formats at once (polyglots) — is refused with
// centre.EUNSUPPORTED naming what was found.
package media

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"infocentre/internal/centre"
)

// Media types of accepted files.
const (
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	CSV  = "text/csv; charset=utf-8"
	TXT  = "text/plain; charset=utf-8"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	WebP = "image/webp"
	GIF  = "image/gif"
)

func unsupported(found string) error {
	return centre.Errorf(centre.EUNSUPPORTED, "the content is %s; accepted are PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV and plain text documents and PNG, JPEG, WebP and GIF images", found)
}

func damaged(what string) error {
	return centre.Errorf(centre.EINVALID, "the file looks like %s but cannot be read: it is damaged or incomplete", what)
}

// Sniff returns the media type and kind of the content, or EUNSUPPORTED.
// It reads at most the head of the file, a zip's directory and two small
// zip members, and for text the whole file (up to size).
func Sniff(r io.ReaderAt, size int64) (mediaType, kind string, err error) {
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return "", "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		if isZip(r, size) {
			return "", "", unsupported("a PDF with a ZIP archive inside (a polyglot file)")
		}
		return PDF, centre.KindDocument, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, centre.KindImage, nil
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return JPEG, centre.KindImage, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF, centre.KindImage, nil
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return WebP, centre.KindImage, nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(r, size)
	}
	if found := binaryKind(head); found != "" {
		return "", "", unsupported(found)
	}
	return sniffText(r, size)
}

// binaryKind names formats that are refused, for a clear problem.
func binaryKind(head []byte) string {
	has := func(p string) bool { return bytes.HasPrefix(head, []byte(p)) }
	switch {
	case has("MZ"):
		return "a Windows executable"
	case has("\x7fELF"):
		return "an ELF executable"
	case has("\xfe\xed\xfa\xce"), has("\xfe\xed\xfa\xcf"), has("\xce\xfa\xed\xfe"), has("\xcf\xfa\xed\xfe"), has("\xca\xfe\xba\xbe"):
		return "a Mach-O executable"
	case has("#!"):
		return "a script"
	case has("\x1f\x8b"):
		return "a gzip archive"
	case has("7z\xbc\xaf\x27\x1c"):
		return "a 7-Zip archive"
	case has("Rar!"):
		return "a RAR archive"
	case has("BZh"):
		return "a bzip2 archive"
	case has("\xfd7zXZ\x00"):
		return "an xz archive"
	case has("PK\x05\x06"), has("PK\x07\x08"):
		return "a ZIP archive"
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "a legacy Office (OLE) document, which may carry macros; save it as DOCX, XLSX or PPTX"
	case len(head) > 262 && string(head[257:262]) == "ustar":
		return "a tar archive"
	}
	return ""
}

func isZip(r io.ReaderAt, size int64) bool {
	_, err := zip.NewReader(r, size)
	return err == nil
}

// sniffZip accepts the office formats by their structure: OOXML by its
// [Content_Types].xml and main part, ODF by its leading "mimetype" member.
func sniffZip(r io.ReaderAt, size int64) (string, string, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return "", "", damaged("a ZIP-based document")
	}
	if len(z.File) > 0 && z.File[0].Name == "mimetype" {
		mt, err := readMember(z.File[0], 128)
		if err != nil {
			return "", "", damaged("an OpenDocument file")
		}
		switch strings.TrimSpace(mt) {
		case ODT:
			return ODT, centre.KindDocument, nil
		case ODS:
			return ODS, centre.KindDocument, nil
		}
		return "", "", unsupported("an OpenDocument file of type " + quoteShort(mt))
	}
	names := make(map[string]bool, len(z.File))
	for _, f := range z.File {
		names[f.Name] = true
		if strings.HasSuffix(strings.ToLower(f.Name), "vbaproject.bin") {
			return "", "", unsupported("a macro-enabled Office document")
		}
	}
	if !names["[Content_Types].xml"] {
		return "", "", unsupported("a ZIP archive")
	}
	switch {
	case names["word/document.xml"]:
		return DOCX, centre.KindDocument, nil
	case names["xl/workbook.xml"]:
		return XLSX, centre.KindDocument, nil
	case names["ppt/presentation.xml"]:
		return PPTX, centre.KindDocument, nil
	}
	return "", "", unsupported("an Office Open XML package that is not a DOCX, XLSX or PPTX document")
}

// readMember reads at most max bytes of a zip member.
func readMember(f *zip.File, max int64) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max))
	return string(b), err
}

func quoteShort(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 80 {
		s = s[:80]
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// maxText bounds the text that is read whole to tell CSV from plain text.
const maxText = 64 << 20

// sniffText accepts valid UTF-8 without NULs that is not HTML, SVG or XML
// markup: CSV when it parses as records of one width (at least two
// fields, two records), otherwise plain text.
func sniffText(r io.ReaderAt, size int64) (string, string, error) {
	if size > maxText {
		return "", "", unsupported("a large file that is not of an accepted type")
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return "", "", err
	}
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		found := http.DetectContentType(b)
		if strings.HasPrefix(found, "text/") {
			found = "binary data"
		}
		return "", "", unsupported(describe(found))
	}
	if markup := markupKind(b); markup != "" {
		return "", "", unsupported(markup)
	}
	if isCSV(b) {
		return CSV, centre.KindDocument, nil
	}
	return TXT, centre.KindDocument, nil
}

// markupKind names text that a browser could run or render as a page.
func markupKind(b []byte) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	lower := bytes.ToLower(t[:min(len(t), 1024)])
	switch {
	case bytes.Contains(lower, []byte("<svg")):
		return "an SVG image (it can carry scripts)"
	case bytes.HasPrefix(lower, []byte("<?xml")):
		return "an XML document"
	}
	if http.DetectContentType(b) == "text/html; charset=utf-8" {
		return "an HTML document"
	}
	for _, tag := range []string{"<script", "<html", "<iframe", "<body", "<!doctype html"} {
		if bytes.Contains(bytes.ToLower(b), []byte(tag)) {
			return "text with HTML markup (" + tag + ")"
		}
	}
	return ""
}

func isCSV(b []byte) bool {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	comma := ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		comma = ';'
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = comma
	width, records := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		if records == 0 {
			width = len(rec)
		}
		records++
	}
	return width >= 2 && records >= 2
}

func describe(detected string) string {
	switch {
	case detected == "application/octet-stream", detected == "binary data":
		return "binary data of no accepted type"
	case strings.HasPrefix(detected, "image/"):
		return "an image of type " + detected
	}
	return "of type " + detected
}
