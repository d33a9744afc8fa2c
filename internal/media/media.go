package media

import (
	"context"
	"io"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

	"infocentre/internal/centre"
)

func init() {
	// pdfcpu would otherwise write a configuration file into the user's
	// configuration directory (read-only on Lambda).
	model.ConfigPath = "disable"
}

// Inspector implements centre.Inspector.
type Inspector struct{}

var _ centre.Inspector = Inspector{}

// Inspect sniffs the content and prepares it: images are re-encoded
// without metadata and resized; PDFs give their page count and title.
func (Inspector) Inspect(ctx context.Context, r io.ReaderAt, size int64) (*centre.Inspection, error) {
	mt, kind, err := Sniff(r, size)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if kind == centre.KindImage {
		return processImage(r, size, mt)
	}
	out := &centre.Inspection{MediaType: mt, Kind: kind}
	if mt == PDF {
		if out.Pages, out.Title, err = pdfInfo(io.NewSectionReader(r, 0, size)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pdfInfo reads a PDF's page count and title with pdfcpu (relaxed
// validation: it accepts the common deviations of real-world PDFs). It
// reads and validates as pdfcpu's api.ReadAndValidate does, with the two
// calls that function makes, not through package api: api links pdfcpu's
// form filling and with it go-runewidth, whose tables take 20 ms to build
// at every start of a process (TestLeanFunctions).
func pdfInfo(rs io.ReadSeeker) (pages int, title string, err error) {
	defer func() {
		if recover() != nil { // pdfcpu on hostile input
			err = damaged("a PDF")
		}
	}()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := pdfcpu.Read(rs, conf)
	if err == nil {
		err = validate.XRefTable(ctx)
	}
	if err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "encrypt") || strings.Contains(strings.ToLower(err.Error()), "password") {
			return 0, "", centre.Errorf(centre.EINVALID, "the PDF is encrypted; upload it without a password")
		}
		return 0, "", damaged("a PDF")
	}
	return ctx.PageCount, strings.TrimSpace(ctx.Title), nil
}
