package train

import "github.com/govae/govae/internal/runenv"

// Environment is what a run ran on: the govae build and the machine.
type Environment = runenv.Environment

func environment() Environment { return runenv.Current() }
