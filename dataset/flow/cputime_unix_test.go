//go:build unix

package flow

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user plus system CPU time, so benchmarks on
// a loaded machine can report packets per CPU-second beside wall-clock rates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
