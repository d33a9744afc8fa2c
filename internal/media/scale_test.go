package media

import (
	"image"
	"image/color"
	"testing"
)

// TestAreaScale: area averaging keeps a flat colour, averages a
// checkerboard to its mean, and weighs partly covered pixels by their
// share (3 → 2 columns: 1, ½ | ½, 1).
func TestAreaScale(t *testing.T) {
	flat := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range flat.Pix {
		flat.Pix[i] = []uint8{200, 100, 50, 255}[i%4]
	}
	if got := areaScale(flat, 3, 2); got.RGBAAt(2, 1) != (color.RGBA{200, 100, 50, 255}) || got.Bounds().Dx() != 3 {
		t.Errorf("flat: %v", got.RGBAAt(2, 1))
	}
	board := image.NewGray(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			if (x+y)%2 == 0 {
				board.SetGray(x, y, color.Gray{255})
			}
		}
	}
	if got := areaScale(board, 4, 4).RGBAAt(1, 2); got.R < 127 || got.R > 128 {
		t.Errorf("checkerboard: %v, want mid grey", got)
	}
	row := image.NewGray(image.Rect(0, 0, 3, 1))
	row.SetGray(0, 0, color.Gray{0})
	row.SetGray(1, 0, color.Gray{90})
	row.SetGray(2, 0, color.Gray{180})
	got := areaScale(row, 2, 1)
	// Left: (0·1 + 90·½) / 1.5 = 30; right: (90·½ + 180·1) / 1.5 = 150.
	if l, r := got.RGBAAt(0, 0).R, got.RGBAAt(1, 0).R; l != 30 || r != 150 {
		t.Errorf("partial coverage: %d %d, want 30 150", l, r)
	}
}
