module github.com/ipatlas/ipatlas

go 1.24
