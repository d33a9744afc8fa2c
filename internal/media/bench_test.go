package media_test

import (
	"bytes"
	"context"
	"testing"

	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
)

// BenchmarkPhoto4000x3000: inspecting a 4000×3000 camera JPEG with EXIF
// and GPS — decode, orientation, re-encode without metadata, three
// variants. It reports the peak RSS of one such upload in a process of
// its own (peak-RSS-MiB; see TestPhotoFitsLambda).
func BenchmarkPhoto4000x3000(b *testing.B) {
	peak := photoPeakMiB(b, 4000, 3000, 1)
	photo := mediatest.JPEGWithGPS(4000, 3000, 1)
	b.SetBytes(int64(len(photo)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := media.Inspector{}.Inspect(context.Background(), bytes.NewReader(photo), int64(len(photo)))
		if err != nil || len(got.Variants) != 3 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
}
