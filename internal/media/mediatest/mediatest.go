// Package mediatest makes real files of every accepted (and some refused)
// type for tests: images with EXIF and GPS metadata, PDFs with pages and a
// title, office documents with their zip structure.
package mediatest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
)

// Picture returns a w×h picture with a gradient, so that resizing and
// orientation can be seen in its pixels: red grows to the right, green
// downwards.
func Picture(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetRGBA(x, y, color.RGBA{uint8(255 * x / max(1, w-1)), uint8(255 * y / max(1, h-1)), 60, 255})
		}
	}
	return m
}

// PNG encodes Picture(w, h).
func PNG(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, Picture(w, h))
	return b.Bytes()
}

// GIF encodes a two-frame GIF of w×h.
func GIF(w, h int) []byte {
	pal := color.Palette{color.Black, color.White, color.RGBA{255, 0, 0, 255}}
	g := &gif.GIF{}
	for i := 0; i < 2; i++ {
		f := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for p := range f.Pix {
			f.Pix[p] = uint8((p + i) % 3)
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	gif.EncodeAll(&b, g)
	return b.Bytes()
}

// Secret is the text hidden in the metadata of JPEGWithGPS.
const Secret = "HIDDEN-CAMERA-SERIAL-4711"

// JPEGWithGPS encodes Picture(w, h) as a JPEG with an APP1 Exif segment
// holding the EXIF orientation, a camera serial (Secret, in IFD0's
// ImageDescription) and a GPS IFD with latitude 48°51'24"N and longitude
// 2°21'3"E, and a COM comment segment.
func JPEGWithGPS(w, h int, orientation uint16) []byte {
	var img bytes.Buffer
	jpeg.Encode(&img, Picture(w, h), &jpeg.Options{Quality: 90})
	raw := img.Bytes()

	// TIFF, big endian: header, IFD0 (3 entries), GPS IFD (4 entries), data.
	be := binary.BigEndian
	var t bytes.Buffer
	t.WriteString("MM")
	binary.Write(&t, be, uint16(42))
	binary.Write(&t, be, uint32(8))
	const ifd0 = 8
	const ifd0Len = 2 + 3*12 + 4
	const gpsIFD = ifd0 + ifd0Len
	const gpsLen = 2 + 4*12 + 4
	const data = gpsIFD + gpsLen
	desc := Secret + "\x00"
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&t, be, tag)
		binary.Write(&t, be, typ)
		binary.Write(&t, be, count)
		binary.Write(&t, be, value)
	}
	// IFD0: ImageDescription (ASCII, at data), Orientation (SHORT, in place), GPS IFD pointer.
	binary.Write(&t, be, uint16(3))
	entry(0x010e, 2, uint32(len(desc)), data)
	entry(0x0112, 3, 1, uint32(orientation)<<16)
	entry(0x8825, 4, 1, gpsIFD)
	binary.Write(&t, be, uint32(0))
	// GPS IFD: LatitudeRef "N", Latitude (3 RATIONAL), LongitudeRef "E", Longitude.
	lat := uint32(data + len(desc))
	lon := lat + 24
	binary.Write(&t, be, uint16(4))
	entry(0x0001, 2, 2, uint32('N')<<24)
	entry(0x0002, 5, 3, lat)
	entry(0x0003, 2, 2, uint32('E')<<24)
	entry(0x0004, 5, 3, lon)
	binary.Write(&t, be, uint32(0))
	t.WriteString(desc)
	for _, v := range []uint32{48, 1, 51, 1, 24, 1, 2, 1, 21, 1, 3, 1} {
		binary.Write(&t, be, v)
	}
	app1 := append([]byte("Exif\x00\x00"), t.Bytes()...)
	com := []byte("comment: " + Secret)

	var out bytes.Buffer
	out.Write(raw[:2]) // SOI
	out.Write([]byte{0xff, 0xe1})
	binary.Write(&out, be, uint16(len(app1)+2))
	out.Write(app1)
	out.Write([]byte{0xff, 0xfe})
	binary.Write(&out, be, uint16(len(com)+2))
	out.Write(com)
	out.Write(raw[2:])
	return out.Bytes()
}

// PDF returns a valid PDF of pages empty pages whose Info dictionary has
// title, with a correct cross-reference table.
func PDF(pages int, title string) []byte { return PDFSized(pages, title, 0) }

// PDFSized is PDF with comment lines after the header, so that the file
// takes at least size bytes.
func PDFSized(pages int, title string, size int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for b.Len() < size-1024 {
		b.WriteString("% padding that makes a large document, as scanned pages would\n")
	}
	kids := make([]string, pages)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", i+4)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages))
	obj(fmt.Sprintf("<< /Title (%s) /Producer (infocentre tests) >>", title))
	for i := 0; i < pages; i++ {
		obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// Zip returns a zip archive of the named members, in order.
func Zip(members ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for i := 0; i+1 < len(members); i += 2 {
		hdr := &zip.FileHeader{Name: members[i], Method: zip.Deflate}
		if members[i] == "mimetype" {
			hdr.Method = zip.Store
		}
		w, _ := z.CreateHeader(hdr)
		w.Write([]byte(members[i+1]))
	}
	z.Close()
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`

// DOCX, XLSX, PPTX, ODT and ODS return minimal documents of each format.
func DOCX() []byte {
	return Zip("[Content_Types].xml", contentTypes, "word/document.xml", "<w:document/>")
}
func XLSX() []byte { return Zip("[Content_Types].xml", contentTypes, "xl/workbook.xml", "<workbook/>") }
func PPTX() []byte {
	return Zip("[Content_Types].xml", contentTypes, "ppt/presentation.xml", "<p:presentation/>")
}
func ODT() []byte {
	return Zip("mimetype", "application/vnd.oasis.opendocument.text", "content.xml", "<office:document-content/>")
}
func ODS() []byte {
	return Zip("mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml", "<office:document-content/>")
}
