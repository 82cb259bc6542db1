//go:build !unix

package main

// cpuTimes returns zero times: the process's CPU time is read on Unix only.
func cpuTimes() usage { return usage{} }
