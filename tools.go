//go:build tools

// This file pins the modules that the library's packages are about to
// import, so that `go mod tidy` keeps them while the packages grow.
package netwarden

import (
	_ "github.com/dmitryikh/leaves"
	_ "github.com/stretchr/testify/require"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
)
