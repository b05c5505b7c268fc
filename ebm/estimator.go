package ebm

import "fmt"

// Estimator is the way training draws the model samples of (2.14).
type Estimator int

const (
	// CD is contrastive divergence (Hinton, 2002): each update starts
	// k-step Gibbs chains at the data batch.
	CD Estimator = iota + 1
	// PCD is persistent contrastive divergence (Tieleman, 2008): the chains
	// carry over from update to update and take k Gibbs steps before each.
	PCD
)

// ParseEstimator returns the estimator named "cd" or "pcd".
func ParseEstimator(s string) (Estimator, error) {
	switch s {
	case "cd":
		return CD, nil
	case "pcd":
		return PCD, nil
	}
	return 0, fmt.Errorf("ebm: unknown estimator %q: use cd or pcd", s)
}

// MarshalText returns the text form of e, so that e can be a flag
// (flag.TextVar) or a field of a JSON config.
func (e Estimator) MarshalText() ([]byte, error) {
	if e != CD && e != PCD {
		return nil, fmt.Errorf("ebm: invalid estimator %d", int(e))
	}
	return []byte(e.String()), nil
}

// String returns "cd" or "pcd".
func (e Estimator) String() string {
	switch e {
	case CD:
		return "cd"
	case PCD:
		return "pcd"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// UnmarshalText sets e from its text form, as ParseEstimator does.
func (e *Estimator) UnmarshalText(text []byte) error {
	v, err := ParseEstimator(string(text))
	if err != nil {
		return err
	}
	*e = v
	return nil
}
