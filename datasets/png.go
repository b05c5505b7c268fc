package datasets

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxImageValues bounds the values of one image that [ReadPNGs] accepts
// (rows×cols×channels): 64 Mi, a 4,729×4,729 colour image. A PNG header
// may declare any size in a few bytes; without a bound a file of a few
// kilobytes could make the decoder allocate gigabytes.
const maxImageValues = 1 << 26

// ReadPNGs reads every PNG file (name ending in .png, any case) in the root
// folder of fsys, in the order of their names, as an unlabelled set of
// bytes. All must be of one size. The set is grey (Channels 1) when every
// image is grey (a grey PNG, or a palette of greys), and colour (Channels
// 3, R, G, B for each pixel) otherwise, a grey image then giving three
// equal channels. 16-bit levels keep their high byte; transparency is
// dropped (each pixel is read as composited on black, as Go's colour models
// read it). Other files are ignored.
//
// A file that is not a PNG gives a *FormatError naming it; an image of
// another size gives one naming it and the first image; a folder without
// PNG files gives one with Problem Empty. Each file's size is checked from
// its header before its pixels are decoded, and the set grows as images are
// decoded, so a file from a stranger cannot make ReadPNGs allocate more
// than its decompressed pixels (at most [maxImageValues] values).
func ReadPNGs(fsys fs.FS) (*Set, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("datasets: reading the PNG folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.EqualFold(path.Ext(e.Name()), ".png") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, &FormatError{Name: ".", Problem: Empty, Detail: "no .png files in the folder"}
	}
	// First the headers: the size, the same for all, and whether all are
	// grey.
	var first image.Config
	grey := true
	for i, name := range names {
		cfg, err := pngConfig(fsys, name)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxImageValues/3 {
				return nil, &FormatError{Name: name, Problem: Unsupported,
					Detail: fmt.Sprintf("an image of %d×%d pixels; this reader takes at most %d pixels an image", cfg.Width, cfg.Height, maxImageValues/3)}
			}
			first = cfg
		} else if cfg.Width != first.Width || cfg.Height != first.Height {
			return nil, &FormatError{Name: name, Problem: SizeMismatch,
				Detail: fmt.Sprintf("%d×%d pixels, but %s, the first image, is %d×%d; all images must be of one size",
					cfg.Width, cfg.Height, names[0], first.Width, first.Height)}
		}
		grey = grey && isGrey(cfg.ColorModel)
	}
	s := &Set{Rows: first.Height, Cols: first.Width, Channels: 3, Pixels: []uint8{}}
	if grey {
		s.Channels = 1
	}
	for _, name := range names {
		img, err := decodePNG(fsys, name)
		if err != nil {
			return nil, err
		}
		if b := img.Bounds(); b.Dx() != s.Cols || b.Dy() != s.Rows { // the header was checked; the decoder agrees
			return nil, &FormatError{Name: name, Problem: SizeMismatch, Detail: fmt.Sprintf("decoded as %d×%d pixels", b.Dx(), b.Dy())}
		}
		s.Pixels = appendPixels(s.Pixels, img, s.Channels)
	}
	return s, nil
}

// OpenPNGs reads the PNG files in the folder dir with [ReadPNGs]; a
// *FormatError names the file's path.
func OpenPNGs(dir string) (*Set, error) {
	s, err := ReadPNGs(os.DirFS(dir))
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Name = path.Join(dir, fe.Name)
	}
	return s, err
}

// pngConfig reads the header of the PNG file name.
func pngConfig(fsys fs.FS, name string) (image.Config, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return image.Config{}, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return image.Config{}, pngError(err, name)
	}
	return cfg, nil
}

// decodePNG decodes the PNG file name.
func decodePNG(fsys fs.FS, name string) (image.Image, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, pngError(err, name)
	}
	return img, nil
}

// pngError turns an error of image/png into a *FormatError.
func pngError(err error, name string) error {
	var fe png.FormatError
	var ue png.UnsupportedError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.As(err, &fe) && fe == "unexpected EOF":
		return &FormatError{Name: name, Problem: Truncated, Detail: "the PNG ends early"}
	case errors.As(err, &fe):
		return &FormatError{Name: name, Problem: BadSyntax, Detail: "not a valid PNG", Err: err}
	case errors.As(err, &ue):
		return &FormatError{Name: name, Problem: Unsupported, Err: err}
	}
	return &FormatError{Name: name, Problem: BadSyntax, Detail: "cannot decode the PNG", Err: err}
}

// isGrey says whether every colour of model m is a grey.
func isGrey(m color.Model) bool {
	switch m := m.(type) {
	case color.Palette:
		for _, c := range m {
			r, g, b, _ := c.RGBA()
			if r != g || g != b {
				return false
			}
		}
		return true
	}
	return m == color.GrayModel || m == color.Gray16Model
}

// appendPixels appends the pixels of img, row by row, as ch bytes each
// (1: grey; 3: R, G, B), to dst.
func appendPixels(dst []uint8, img image.Image, ch int) []uint8 {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok && ch == 1 {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := g.PixOffset(b.Min.X, y)
			dst = append(dst, g.Pix[i:i+b.Dx()]...)
		}
		return dst
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			if ch == 1 {
				dst = append(dst, color.GrayModel.Convert(c).(color.Gray).Y)
				continue
			}
			r, g, bl, _ := c.RGBA()
			dst = append(dst, uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		}
	}
	return dst
}
