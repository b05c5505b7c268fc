package progress

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run drives d through what a training command does: a log line, a step of
// 20 units with a log line in its middle, another log line, and a second
// step of 3 units.
func run(d *Display) {
	d.Write([]byte("writing to runs/x\n"))
	d.Start("epoch 1/2", 20)
	for i := 1; i <= 20; i++ {
		d.Update(i)
		if i == 10 {
			d.Write([]byte("halfway\n"))
		}
	}
	d.Finish()
	d.Write([]byte("epoch 1 done\n"))
	d.Start("log p(x)", 3)
	for i := 1; i <= 3; i++ {
		d.Update(i)
	}
	d.Finish()
}

// hasControl reports whether s holds a carriage return or an escape
// sequence, the stuff of progress bars.
func hasControl(s string) bool { return strings.ContainsAny(s, "\r\x1b") }

// Off a terminal, Silent passes the log lines through and nothing else.
func TestSilent(t *testing.T) {
	var buf bytes.Buffer
	run(newDisplay(&buf, false, Silent))
	if got, want := buf.String(), "writing to runs/x\nhalfway\nepoch 1 done\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// Off a terminal, Tenths adds a line for each tenth of a step, with the
// percentage rounded down.
func TestTenths(t *testing.T) {
	var buf bytes.Buffer
	run(newDisplay(&buf, false, Tenths))
	want := "writing to runs/x\n"
	for i := 2; i <= 20; i += 2 {
		want += fmt.Sprintf("epoch 1/2: %d%% (%d/20)\n", 5*i, i)
		if i == 10 {
			want += "halfway\n"
		}
	}
	want += "epoch 1 done\nlog p(x): 33% (1/3)\nlog p(x): 66% (2/3)\nlog p(x): 100% (3/3)\n"
	if got := buf.String(); got != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}
}

// New tells a file from a terminal: a file gets the plain form.
func TestNewOnFile(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run(New(f, Silent))
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if want := "writing to runs/x\nhalfway\nepoch 1 done\n"; string(got) != want {
		t.Errorf("file holds %q, want %q", got, want)
	}
}

// On a terminal the bar is drawn with carriage returns, and every log line
// starts on a cleared line: the bar is wiped before the line is written.
func TestTerminalBar(t *testing.T) {
	for _, plain := range []Plain{Silent, Tenths} {
		var buf bytes.Buffer
		run(newDisplay(&buf, true, plain))
		out := buf.String()
		if !hasControl(out) || !strings.Contains(out, "epoch 1/2") {
			t.Errorf("plain %d: no bar drawn: %q", plain, out)
		}
		if strings.Contains(out, "epoch 1/2: ") {
			t.Errorf("plain %d: a terminal got the plain lines too: %q", plain, out)
		}
		for _, line := range []string{"halfway\n", "epoch 1 done\n"} {
			i := strings.Index(out, line)
			if i < 1 || out[i-1] != '\r' {
				t.Errorf("plain %d: log line %q does not follow a cleared bar: %q", plain, line, out)
			}
		}
	}
}

func TestNewPanicsOnUnknownPlain(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "progress: ") {
			t.Errorf("recovered %q, want a panic prefixed progress:", r)
		}
	}()
	New(&bytes.Buffer{}, 0)
}
