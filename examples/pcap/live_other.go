//go:build !linux

package main

import (
	"errors"
	"time"
)

func (s *scorer) live(iface string, d time.Duration) error {
	return errors.New("pcap: live capture needs Linux (AF_PACKET)")
}
