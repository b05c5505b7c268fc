module github.com/govae/govae

go 1.26
