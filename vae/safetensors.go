package vae

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/nlpodyssey/safetensors"
)

// The safetensors format (https://github.com/huggingface/safetensors) holds
// named tensors after a JSON header that gives their dtype, shape and byte
// range, and a map of strings (metadata). It is what the Python ecosystem
// loads without executing code, and github.com/nlpodyssey/safetensors,
// which reads and writes it here, checks that the header's ranges tile the
// data exactly and that every range matches its shape, without allocating
// for the tensors: a file from a stranger cannot make it allocate more
// than the file's own size.

// maxDim bounds each dimension of a tensor read from a file, so that
// shapes convert to int and their products do not overflow on any platform
// that runs govae.
const maxDim = math.MaxInt32

// tensorOf returns a view of vals as a tensor of the given dtype (F32 or
// F64, little-endian) and shape.
func tensorOf(dt safetensors.DType, shape []int, vals []float64) (safetensors.TensorView, error) {
	var data []byte
	switch dt {
	case safetensors.F64:
		data = make([]byte, 8*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(v))
		}
	case safetensors.F32:
		data = make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(v)))
		}
	default:
		return safetensors.TensorView{}, fmt.Errorf("vae: tensors of dtype %v: use F32 or F64", dt)
	}
	dims := make([]uint64, len(shape))
	for i, d := range shape {
		dims[i] = uint64(d)
	}
	return safetensors.NewTensorView(dt, dims, data)
}

// readTensor returns the values of the tensor called name in st, as
// float64, and its shape. It fails if there is no such tensor, if it is not
// F32 or F64, or if a dimension exceeds maxDim.
func readTensor(st safetensors.SafeTensors, name string) ([]float64, []int, error) {
	tv, ok := st.Tensor(name)
	if !ok {
		return nil, nil, fmt.Errorf("no tensor %q", name)
	}
	shape := make([]int, len(tv.Shape()))
	for i, d := range tv.Shape() {
		if d > maxDim {
			return nil, nil, fmt.Errorf("tensor %q has shape %v", name, tv.Shape())
		}
		shape[i] = int(d)
	}
	data := tv.Data()
	switch tv.DType() {
	case safetensors.F64:
		vals := make([]float64, len(data)/8)
		for i := range vals {
			vals[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		return vals, shape, nil
	case safetensors.F32:
		vals := make([]float64, len(data)/4)
		for i := range vals {
			vals[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
		}
		return vals, shape, nil
	}
	return nil, nil, fmt.Errorf("tensor %q is of dtype %v; govae reads F32 and F64", name, tv.DType())
}

// openSafetensors parses buf, a whole safetensors file, and returns its
// tensors and its metadata.
func openSafetensors(buf []byte) (safetensors.SafeTensors, map[string]string, error) {
	_, meta, err := safetensors.ReadMetadata(buf)
	if err != nil {
		return safetensors.SafeTensors{}, nil, err
	}
	st, err := safetensors.Deserialize(buf)
	return st, meta.Metadata(), err
}
