//go:build !linux

package iforest_test

import "time"

// threadCPU is only available on Linux.
func threadCPU() (time.Duration, bool) { return 0, false }

// processCPU is only available on Linux.
func processCPU() (time.Duration, bool) { return 0, false }
