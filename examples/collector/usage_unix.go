//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuTimes returns the process's CPU time from getrusage(2).
func cpuTimes() usage {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return usage{}
	}
	return usage{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano())}
}
