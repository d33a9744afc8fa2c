package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"infocentre/internal/centre"
)

// Limits on images, so that a small file cannot claim gigabytes of memory
// once decoded (a "decompression bomb").
const (
	MaxPixels    = 50_000_000 // width × height (× frames for GIF)
	MaxDimension = 20_000
	MaxGIFFrames = 300
	jpegQuality  = 85
)

// processImage decodes an image, removes its metadata by re-encoding it
// (JPEG stays JPEG, PNG stays PNG, GIF stays GIF with its frames, WebP
// becomes JPEG, or PNG if it has transparency) and makes the variants.
// A JPEG's EXIF orientation is applied first, so the picture stands the
// way the camera meant once its EXIF is gone.
func processImage(r io.ReaderAt, size int64, mediaType string) (*centre.Inspection, error) {
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, err
	}
	cfg, format, err := decodeConfig(data, mediaType)
	if err != nil {
		return nil, damaged("an image (" + mediaType + ")")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxDimension || cfg.Height > MaxDimension || cfg.Width*cfg.Height > MaxPixels {
		return nil, centre.Errorf(centre.ETOOLARGE, "the image is %d×%d pixels; at most %d pixels and %d on a side are accepted", cfg.Width, cfg.Height, MaxPixels, MaxDimension)
	}
	out := &centre.Inspection{Kind: centre.KindImage}
	var img image.Image
	var buf bytes.Buffer
	switch format {
	case "gif":
		g, err := decodeGIF(data, cfg)
		if err != nil {
			return nil, err
		}
		if err := gif.EncodeAll(&buf, g); err != nil {
			return nil, err
		}
		out.MediaType, img = GIF, g.Image[0]
	case "jpeg":
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, damaged("a JPEG image")
		}
		o := exifOrientation(data)
		data = nil // the upload's bytes: garbage from here on
		img = orient(m, o)
		m = nil
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, err
		}
		out.MediaType = JPEG
	case "png":
		m, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, damaged("a PNG image")
		}
		img = m
		if err := png.Encode(&buf, img); err != nil {
			return nil, err
		}
		out.MediaType = PNG
	case "webp":
		m, err := webp.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, damaged("a WebP image")
		}
		img = m
		out.MediaType, err = encodeFlat(&buf, img)
		if err != nil {
			return nil, err
		}
	}
	b := img.Bounds()
	out.Body, out.Width, out.Height = buf.Bytes(), b.Dx(), b.Dy()
	data = nil
	runtime.GC()
	out.Variants, err = variants(img)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func decodeConfig(data []byte, mediaType string) (image.Config, string, error) {
	rd := bytes.NewReader(data)
	switch mediaType {
	case GIF:
		c, err := gif.DecodeConfig(rd)
		return c, "gif", err
	case JPEG:
		c, err := jpeg.DecodeConfig(rd)
		return c, "jpeg", err
	case PNG:
		c, err := png.DecodeConfig(rd)
		return c, "png", err
	case WebP:
		c, err := webp.DecodeConfig(rd)
		return c, "webp", err
	}
	return image.Config{}, "", unsupported("an image of type " + mediaType)
}

func decodeGIF(data []byte, cfg image.Config) (*gif.GIF, error) {
	// Count the frames before decoding them: each costs a frame of memory.
	n := gifFrames(data)
	if n <= 0 {
		return nil, damaged("a GIF image")
	}
	if n > MaxGIFFrames || n*cfg.Width*cfg.Height > MaxPixels {
		return nil, centre.Errorf(centre.ETOOLARGE, "the GIF has %d frames of %d×%d pixels; at most %d frames and %d pixels in all are accepted",
			n, cfg.Width, cfg.Height, MaxGIFFrames, MaxPixels)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil || len(g.Image) == 0 || len(g.Image) > n {
		return nil, damaged("a GIF image")
	}
	// Comments and application extensions are not kept by the encoder;
	// the loop count is.
	return g, nil
}

// encodeFlat writes img as JPEG, or as PNG if any pixel is not opaque.
func encodeFlat(w io.Writer, img image.Image) (string, error) {
	if opaque(img) {
		return JPEG, jpeg.Encode(w, img, &jpeg.Options{Quality: jpegQuality})
	}
	return PNG, png.Encode(w, img)
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// variants makes the copies of img for each centre.VariantWidths narrower
// than it, largest first from the original, each smaller one from the one
// before (fewer pixels to read, same quality at these ratios). The
// original is released (its last reference dropped) once the largest copy
// is made, so that a 12 MP photo never holds two full-size images at once.
//
// A copy is scaled with Catmull-Rom when that filter's working buffer
// (destination width × source height × 32 bytes) stays under
// maxKernelBuffer; past it — a camera photo's first step: 153 MB for
// 4000×3000 to 1600 — by area averaging (areaScale), which reads the
// source one row at a time and keeps two rows of the destination.
func variants(img image.Image) ([]centre.VariantData, error) {
	b := img.Bounds()
	var out []centre.VariantData
	src := img
	for i := len(centre.VariantWidths) - 1; i >= 0; i-- {
		w := centre.VariantWidths[i]
		if w >= b.Dx() {
			continue
		}
		h := max(1, (b.Dy()*w+b.Dx()/2)/b.Dx())
		var dst *image.RGBA
		if sb := src.Bounds(); w*sb.Dy()*32 <= maxKernelBuffer {
			dst = image.NewRGBA(image.Rect(0, 0, w, h))
			xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, xdraw.Src, nil)
		} else {
			dst = areaScale(src, w, h)
		}
		src = dst // the larger source is garbage from here on
		runtime.GC()
		var buf bytes.Buffer
		mt, err := encodeFlat(&buf, dst)
		if err != nil {
			return nil, err
		}
		out = append([]centre.VariantData{{Variant: centre.Variant{Width: w, Height: h, MediaType: mt, Size: int64(buf.Len())}, Body: buf.Bytes()}}, out...)
	}
	return out, nil
}

// maxKernelBuffer bounds the working buffer of a Catmull-Rom scale.
const maxKernelBuffer = 24 << 20

// areaScale returns src scaled down to w×h (w, h at most src's size) by
// area averaging: each destination pixel is the mean of the source area
// it covers, partly covered source pixels weighted by their share — a box
// filter exact for downscaling, with no aliasing. It works on
// premultiplied RGBA in float32, one source row at a time (converted
// through a one-row buffer), so it needs the destination and three rows.
func areaScale(src image.Image, w, h int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// Horizontal taps: for each destination column, the source columns
	// it covers and their weights (their total is sw/w).
	type tap struct {
		x int
		f float32
	}
	taps := make([][]tap, w)
	sx := float64(sw) / float64(w)
	for x := range w {
		x0, x1 := float64(x)*sx, float64(x+1)*sx
		for c := int(x0); c < sw && float64(c) < x1; c++ {
			wgt := min(float64(c+1), x1) - max(float64(c), x0)
			if wgt > 0 {
				taps[x] = append(taps[x], tap{c, float32(wgt)})
			}
		}
	}
	row := image.NewRGBA(image.Rect(0, 0, sw, 1))
	hrow := make([]float32, w*4) // one source row, scaled horizontally
	acc := make([]float32, w*4)  // the destination row being summed
	last := -1
	load := func(r int) {
		if r == last {
			return
		}
		draw.Draw(row, row.Bounds(), src, image.Pt(sb.Min.X, sb.Min.Y+r), draw.Src)
		for x, ts := range taps {
			var s [4]float32
			for _, t := range ts {
				p := row.Pix[t.x*4 : t.x*4+4 : t.x*4+4]
				s[0] += float32(p[0]) * t.f
				s[1] += float32(p[1]) * t.f
				s[2] += float32(p[2]) * t.f
				s[3] += float32(p[3]) * t.f
			}
			copy(hrow[x*4:x*4+4], s[:])
		}
		last = r
	}
	sy := float64(sh) / float64(h)
	norm := float32(1 / (sx * sy))
	for y := range h {
		clear(acc)
		y0, y1 := float64(y)*sy, float64(y+1)*sy
		for r := int(y0); r < sh && float64(r) < y1; r++ {
			wgt := float32(min(float64(r+1), y1) - max(float64(r), y0))
			if wgt <= 0 {
				continue
			}
			load(r)
			for i, v := range hrow {
				acc[i] += v * wgt
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w*4]
		for i, v := range acc {
			out[i] = uint8(min(255, v*norm+0.5))
		}
	}
	return dst
}

// exifOrientation returns the EXIF orientation (1-8) of a JPEG, or 1.
func exifOrientation(data []byte) int {
	i := 2
	for i+4 <= len(data) && data[i] == 0xff {
		marker := data[i+1]
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			break
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			break
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for e := 0; e < n && e < 512; e++ {
		p := off + 2 + 12*e
		if p+12 > len(t) {
			break
		}
		if bo.Uint16(t[p:]) == 0x0112 {
			if v := int(bo.Uint16(t[p+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns img the way EXIF orientation o says.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	// The source, as RGBA one row at a time: never a second full-size
	// copy besides the turned one.
	row := image.NewRGBA(image.Rect(0, 0, b.Dx(), 1))
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		draw.Draw(row, row.Bounds(), img, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], row.Pix[x*4:x*4+4])
		}
	}
	return dst
}

// gifFrames counts the frames of a GIF without decoding them, or returns
// -1 if the block structure is broken.
func gifFrames(d []byte) int {
	if len(d) < 13 {
		return -1
	}
	i := 13
	if d[10]&0x80 != 0 {
		i += 3 << (int(d[10]&7) + 1)
	}
	skipSubBlocks := func() bool {
		for i < len(d) {
			n := int(d[i])
			i += 1 + n
			if n == 0 {
				return true
			}
		}
		return false
	}
	frames := 0
	for i < len(d) {
		switch d[i] {
		case 0x21: // extension: label, sub-blocks
			i += 2
			if !skipSubBlocks() {
				return -1
			}
		case 0x2c: // image: descriptor, local colours, LZW size, sub-blocks
			if i+10 > len(d) {
				return -1
			}
			packed := d[i+9]
			i += 10
			if packed&0x80 != 0 {
				i += 3 << (int(packed&7) + 1)
			}
			i++
			if !skipSubBlocks() {
				return -1
			}
			frames++
		case 0x3b:
			return frames
		default:
			return -1
		}
	}
	return frames
}
