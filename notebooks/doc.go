// Package notebooks holds the govae notebooks, in GoNB's format (Jupyter,
// .ipynb, Go cells): quickstart, elbo, estimators, encoder, latent,
// hierarchy, continuous and ebm. Its test runs each of them with the quick settings
// (nbutil.QuickEnv), through nbrun, the way GoNB would run its cells, and
// fails if a cell no longer compiles, panics, or gives other kinds of output
// than the saved ones (or the saved outputs come from code that has since
// changed). `go run ./notebooks/cmd/regen` runs them with their full
// settings and saves the outputs.
package notebooks
