package datasets

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// splitStream is the PCG stream (its second seed word) of [Set.RandomSplit].
const splitStream uint64 = 0x73706c6974746573 // "splittes"

// RandomSplit returns a random testFraction of the examples of s, rounded
// to the nearest whole example, as test and the others as train, each in
// the order they have in s, copied. The choice is drawn from a PCG
// generator seeded with seed: the same seed gives the same split on every
// machine (the draws are made here from raw 64-bit PCG output, which
// math/rand/v2 specifies, not with Shuffle, whose algorithm it does not
// promise to keep). It fails if testFraction is not in (0,1) or leaves
// either part empty.
func (s *Set) RandomSplit(testFraction float64, seed uint64) (train, test *Set, err error) {
	n := s.Len()
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("datasets: test fraction %v: must be strictly between 0 and 1", testFraction)
	}
	k := int(math.Round(testFraction * float64(n)))
	if k == 0 || k == n {
		return nil, nil, fmt.Errorf("datasets: a test fraction of %v of %d examples leaves %d for testing and %d for training: "+
			"both need at least one; give a fraction between %.3g and %.3g", testFraction, n, k, n-k, 0.5/float64(n), 1-0.5/float64(n))
	}
	// The first k places of a partial Fisher–Yates shuffle are a uniformly
	// random k-subset.
	rng := rand.New(rand.NewPCG(seed, splitStream))
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := range k {
		j := i + uniform(rng, uint64(n-i))
		perm[i], perm[j] = perm[j], perm[i]
	}
	testIdx, trainIdx := perm[:k], perm[k:]
	slices.Sort(testIdx)
	slices.Sort(trainIdx)
	return s.Subset(trainIdx), s.Subset(testIdx), nil
}

// uniform returns a uniform draw from [0, n), n > 0, by Lemire's
// multiply-and-reject method on raw 64-bit draws.
func uniform(rng *rand.Rand, n uint64) int {
	hi, lo := bits.Mul64(rng.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return int(hi)
}
