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
		img = orient(m, exifOrientation(data))
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
// before (fewer pixels to read, same quality at these ratios).
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
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
		var buf bytes.Buffer
		mt, err := encodeFlat(&buf, dst)
		if err != nil {
			return nil, err
		}
		out = append([]centre.VariantData{{Variant: centre.Variant{Width: w, Height: h, MediaType: mt, Size: int64(buf.Len())}, Body: buf.Bytes()}}, out...)
		src = dst
	}
	return out, nil
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
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
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
			si, di := src.PixOffset(x, y), dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
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
