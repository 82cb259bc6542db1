//go:build !race

package fivegc

const raceEnabled = false
