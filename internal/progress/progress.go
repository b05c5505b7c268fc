// Package progress shows how far the long steps of a command have gone (an
// epoch, an estimate over the test set): a progress bar when the output is
// a terminal, and plain lines, or nothing, when it is a log file or a pipe,
// where a bar's control characters would be noise.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Plain says what a Display writes about progress when its output is not a
// terminal.
type Plain int

const (
	// Tenths writes a line "label: 40% (400/1000)" each time a further
	// tenth of a step is done.
	Tenths Plain = iota + 1
	// Silent writes nothing about progress: only the log lines written to
	// the Display.
	Silent
)

// Display shows the progress of one step at a time: Start begins a step of
// total units, Update reports how many are done, Finish ends it. It is also
// an io.Writer for the run's log: a log line first clears the bar, and the
// next Update draws it again below the line.
type Display struct {
	w     io.Writer
	tty   bool
	plain Plain

	label        string
	total, tenth int
	active       bool                     // between Start and Finish
	bar          *progressbar.ProgressBar // nil when not drawn
}

// New returns a Display on w: a bar when w is a terminal (an *os.File that
// term.IsTerminal accepts), plain as chosen otherwise. It panics if plain
// is neither Tenths nor Silent.
func New(w io.Writer, plain Plain) *Display {
	f, ok := w.(*os.File)
	return newDisplay(w, ok && term.IsTerminal(int(f.Fd())), plain)
}

func newDisplay(w io.Writer, tty bool, plain Plain) *Display {
	if plain != Tenths && plain != Silent {
		panic(fmt.Sprintf("progress: New: unknown Plain %d, want Tenths or Silent", int(plain)))
	}
	return &Display{w: w, tty: tty, plain: plain}
}

// Finish ends the current step, clearing its bar.
func (d *Display) Finish() {
	d.clear()
	d.active = false
}

// Start begins a step called label of total units, ending any step still
// running.
func (d *Display) Start(label string, total int) {
	d.Finish()
	d.label, d.total, d.tenth, d.active = label, total, 0, true
}

// Update reports that done units of the current step are done. It does
// nothing outside a step.
func (d *Display) Update(done int) {
	if !d.active {
		return
	}
	if d.tty {
		if d.bar == nil {
			d.bar = progressbar.NewOptions(d.total,
				progressbar.OptionSetWriter(d.w),
				progressbar.OptionSetDescription(d.label),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
		}
		d.bar.Set(done)
		return
	}
	if d.plain != Tenths || d.total <= 0 {
		return
	}
	if t := 10 * done / d.total; t > d.tenth {
		d.tenth = t
		fmt.Fprintf(d.w, "%s: %d%% (%d/%d)\n", d.label, 100*done/d.total, done, d.total)
	}
}

// Write clears the bar, if one is drawn, and writes b, a line of the log.
func (d *Display) Write(b []byte) (int, error) {
	d.clear()
	return d.w.Write(b)
}

// clear removes the bar from the screen, leaving the step running.
func (d *Display) clear() {
	if d.bar != nil {
		d.bar.Finish()
		d.bar = nil
	}
}
