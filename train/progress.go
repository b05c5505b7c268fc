package train

// Progress shows how far a long step (an epoch, the log p(x) estimate) has
// gone. Start begins a step of total units, Update reports done of them,
// Finish ends it. vae-train passes a display from internal/progress: a bar
// on a terminal, a line per tenth of a step otherwise.
type Progress interface {
	Start(label string, total int)
	Update(done int)
	Finish()
}

// noProgress is the Progress of a run given none: it shows nothing.
type noProgress struct{}

func (noProgress) Start(string, int) {}
func (noProgress) Update(int)        {}
func (noProgress) Finish()           {}
