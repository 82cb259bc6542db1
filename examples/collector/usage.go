package main

import (
	"runtime"
	"time"
)

// usage is what the process has spent: CPU time in user and kernel mode
// and heap allocations.
type usage struct {
	user, sys time.Duration
	mallocs   uint64
}

// measure returns the process's usage so far (the CPU times are 0 where
// the operating system does not report them).
func measure() usage {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u := cpuTimes()
	u.mallocs = ms.Mallocs
	return u
}

// since returns what was spent between u0 and u.
func (u usage) since(u0 usage) usage {
	return usage{user: u.user - u0.user, sys: u.sys - u0.sys, mallocs: u.mallocs - u0.mallocs}
}
