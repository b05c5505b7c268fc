package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress shows how far a long step (an epoch, the log p(x) estimate) has
// gone. Start begins a step of total units, Update reports done of them,
// Finish ends it.
type Progress interface {
	Start(label string, total int)
	Update(done int)
	Finish()
}

// NewBar returns a Progress that draws a progress bar on w, a terminal.
func NewBar(w io.Writer) Progress { return &bar{w: w} }

type bar struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (b *bar) Start(label string, total int) {
	b.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (b *bar) Update(done int) {
	if b.bar != nil {
		b.bar.Set(done)
	}
}

func (b *bar) Finish() {
	if b.bar != nil {
		b.bar.Finish()
		b.bar = nil
	}
}

// NewLines returns a Progress that writes a plain line to w each time a
// further tenth of a step is done: for logs and pipes, where a bar would
// be noise.
func NewLines(w io.Writer) Progress { return &lines{w: w} }

type lines struct {
	w            io.Writer
	label        string
	total, tenth int
}

func (l *lines) Start(label string, total int) { l.label, l.total, l.tenth = label, total, 0 }

func (l *lines) Update(done int) {
	if l.total <= 0 {
		return
	}
	if t := 10 * done / l.total; t > l.tenth {
		l.tenth = t
		fmt.Fprintf(l.w, "%s: %d%% (%d/%d)\n", l.label, 100*done/l.total, done, l.total)
	}
}

func (l *lines) Finish() {}
