package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows training progress on w: a bar per epoch on a terminal,
// nothing between the epoch lines otherwise. It is also the run's log, so
// that a log line first clears the bar.
type progress struct {
	w     io.Writer
	tty   bool
	bar   *progressbar.ProgressBar
	epoch int
}

func newProgress(f *os.File) *progress {
	fi, err := f.Stat()
	return &progress{w: f, tty: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

// batch moves the bar of the epoch, starting a new bar for a new epoch.
func (p *progress) batch(epoch, done, total int) {
	if !p.tty {
		return
	}
	if p.bar == nil || epoch != p.epoch {
		p.finish()
		p.epoch = epoch
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d", epoch)),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	p.bar.Set(done)
}

// finish clears the bar, if any.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// Write clears the bar and writes a log line.
func (p *progress) Write(b []byte) (int, error) {
	p.finish()
	return p.w.Write(b)
}
