package media_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"infocentre/internal/media"
	"infocentre/internal/media/mediatest"
)

// peakEnv names the photo a child test process inspects once, printing
// its peak resident memory (VmHWM) instead of running tests: memory is
// measured in a process of its own, as a Lambda container would see it.
const peakEnv = "MEDIA_PEAK_RSS_PHOTO"

func TestMain(m *testing.M) {
	if path := os.Getenv(peakEnv); path != "" {
		if err := inspectOnce(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	if plainBin != "" {
		os.RemoveAll(filepath.Dir(plainBin))
	}
	os.Exit(code)
}

// inspectOnce inspects the file at path, as an upload spooled to disk is,
// and prints the process's peak RSS in KiB.
func inspectOnce(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	got, err := media.Inspector{}.Inspect(context.Background(), f, st.Size())
	if err != nil {
		return err
	}
	if len(got.Variants) != 3 {
		return fmt.Errorf("%d variants", len(got.Variants))
	}
	kib, err := peakRSS()
	if err != nil {
		return err
	}
	fmt.Printf("peak-rss-kib %d\n", kib)
	return nil
}

// peakRSS returns this process's peak resident set size in KiB.
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// childBinary returns the test binary the memory is measured in: this
// one, or — when this one has the race detector (make test), whose shadow
// memory would be measured too — the package's tests built without it,
// once per run.
func childBinary(t testing.TB) string {
	t.Helper()
	if !raceEnabled {
		return os.Args[0]
	}
	plainOnce.Do(func() {
		dir, err := os.MkdirTemp("", "media-peak-")
		if err != nil {
			plainErr = err
			return
		}
		plainBin = filepath.Join(dir, "media.test")
		out, err := exec.Command("go", "test", "-c", "-o", plainBin, ".").CombinedOutput()
		if err != nil {
			plainErr = fmt.Errorf("build the tests without the race detector: %v: %s", err, out)
		}
	})
	if plainErr != nil {
		t.Fatal(plainErr)
	}
	return plainBin
}

var (
	plainOnce sync.Once
	plainBin  string
	plainErr  error
)

// photoPeakMiB writes a w×h camera JPEG (EXIF, GPS, orientation o) and
// returns the peak RSS in MiB of a fresh process that inspects it.
func photoPeakMiB(t testing.TB, w, h int, o uint16) float64 {
	t.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("peak RSS is read from /proc (Linux, as on Lambda)")
	}
	path := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(path, mediatest.JPEGWithGPS(w, h, o), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(childBinary(t), "-test.run=^$")
	cmd.Env = append(os.Environ(), peakEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	var kib int64
	if _, err := fmt.Sscanf(string(out), "peak-rss-kib %d", &kib); err != nil {
		t.Fatalf("child printed %q: %v", out, err)
	}
	return float64(kib) / 1024
}

// maxPhotoMiB is the peak RSS an upload of a 12 MP photo may take: the
// admin function has 256 MB, and the runtime, the request and the spool
// need the rest.
const maxPhotoMiB = 160

// TestPhotoFitsLambda: inspecting a 4000×3000 camera JPEG (decode,
// re-encode without metadata, three variants) peaks under maxPhotoMiB of
// RSS, upright and rotated by its EXIF orientation.
func TestPhotoFitsLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 12 MP photos in child processes")
	}
	for _, o := range []uint16{1, 6} {
		if mib := photoPeakMiB(t, 4000, 3000, o); mib > maxPhotoMiB {
			t.Errorf("orientation %d: peak RSS %.0f MiB, more than %d MiB", o, mib, maxPhotoMiB)
		} else {
			t.Logf("orientation %d: peak RSS %.0f MiB", o, mib)
		}
	}
}
