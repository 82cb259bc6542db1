//go:build race

package fivegc

const raceEnabled = true
