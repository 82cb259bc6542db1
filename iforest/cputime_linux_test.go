//go:build linux

package iforest_test

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used (the caller
// locks its goroutine to the thread). On a shared machine it measures the
// work a benchmark did, whatever the other processes take.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	return rusage(rusageThread)
}

// processCPU returns the CPU time the whole test process has used, all
// threads together: the measure for work spread over goroutines.
func processCPU() (time.Duration, bool) {
	return rusage(syscall.RUSAGE_SELF)
}

func rusage(who int) (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
