// Package nbutil is what the govae notebooks import besides the library:
// the switch between full and quick settings, a cache folder that carries a
// trained model from one cell to the next, and a way to show a picture that
// works under GoNB, under the notebook runner (package nbrun) and in a plain
// `go run`.
//
// Each cell of a GoNB notebook runs as a program of its own: declarations
// carry over from cell to cell, values do not. A notebook therefore saves a
// trained model in the folder CachePath names and later cells load it.
//
// Show and its variants pick where a picture goes, in this order:
//
//   - under the runner (DisplayEnv is set), the PNG is written to that folder
//     and a marker line naming it is printed on standard output, so that the
//     runner can place the picture among the cell's text;
//   - under GoNB (its GONB_PIPE variable is set), the PNG is sent to the
//     notebook through GoNB's display pipe;
//   - otherwise the PNG is saved to a temporary file whose path is printed.
package nbutil
