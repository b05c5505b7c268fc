// Package nbrun runs GoNB notebooks without GoNB, so that a test can prove
// they still compile and run against the library as it is, and a command can
// save their outputs.
//
// GoNB (github.com/janpfeifer/gonb) runs each code cell as a Go program of
// its own: the imports and declarations of every cell run so far, and the
// cell's body after a %% line as func main. Values do not survive from one
// cell to the next; declarations do. Translate reproduces that reading,
// Run builds the programs with the go command (against the module in
// Options.ModuleDir, through an overlay, so that nothing is written into the
// module) and runs them in order, collecting each cell's text and the
// pictures it shows with package nbutil. SetOutputs writes them into the
// notebook, CheckSaved tells whether a notebook's saved outputs are those its
// current code gives, and Figures returns the saved pictures of the cells
// whose metadata names a file to keep them in (for README.md).
//
// Compile errors and panics name the notebook, the cell (counted from 1
// over all cells, Markdown included) and the line in it.
//
// Every notebook starts with GoNBSetup, the cell that points GoNB's module
// at the checkout; the runner, which builds against Options.ModuleDir,
// skips it. CheckKernelRun checks a notebook after the real GoNB kernel ran
// it (jupyter nbconvert --execute): no errors, and the pictures the runner
// saved shown by GoNB too.
package nbrun
