package datasets_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/govae/govae/datasets"
)

// Load MNIST from the GoMNIST module, carve a validation set from the end of
// the training set, and deal one epoch of dynamically binarised batches.
func Example() {
	train, test, err := datasets.Load("") // "" is datasets.DefaultDir()
	if err != nil {
		log.Fatal(err)
	}
	train, valid := train.Split(50000)
	fmt.Println("train", train.Len(), "valid", valid.Len(), "test", test.Len(), "pixels", train.Dim())

	rng := rand.New(rand.NewPCG(1, 2))
	it := datasets.NewBatches[float32](train, 128, datasets.Dynamic, rng, true)
	x, labels := make([]float32, 128*train.Dim()), make([]uint8, 128)
	batches, images := 0, 0
	for n, ok := it.Next(x, labels); ok; n, ok = it.Next(x, labels) {
		batches++
		images += n
	}
	fmt.Println("batches", batches, "images", images, "per epoch:", it.Len())
	// Output:
	// train 50000 valid 10000 test 10000 pixels 784
	// batches 390 images 49920 per epoch: 390
}

// The fixed binarised test set is the same on every run and machine.
func ExampleSet_Binarize() {
	_, test, err := datasets.Load("")
	if err != nil {
		log.Fatal(err)
	}
	bin := test.Binarize(datasets.TestSeed)
	on := 0
	for _, v := range bin.Pixels {
		if v == 255 {
			on++
		}
	}
	fmt.Printf("%d of %d pixels on\n", on, len(bin.Pixels))
	// Output:
	// 1038963 of 7840000 pixels on
}
