//go:build tools

// This file pins modules that only tests, examples or generators import, so
// that `go mod tidy` keeps them in go.mod for every build configuration.
package netwarden

import (
	_ "github.com/dmitryikh/leaves"
	_ "github.com/stretchr/testify/require"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
)
