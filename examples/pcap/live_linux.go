//go:build linux

package main

import (
	"errors"
	"time"

	"github.com/netwarden/netwarden/dataset/packet"
)

// live meters interface iface for d, then flushes.
func (s *scorer) live(iface string, d time.Duration) error {
	s.input = "interface " + iface
	l, err := packet.OpenLive(iface, packet.LiveConfig{})
	if err != nil {
		return err
	}
	defer l.Close()
	deadline := time.Now().Add(d)
	var f packet.Frame
	for time.Now().Before(deadline) && s.err == nil {
		err := l.Next(&f)
		if errors.Is(err, packet.ErrLiveTimeout) {
			s.meter.Advance(time.Now())
			continue
		}
		if err != nil {
			s.meter.Flush()
			return err
		}
		s.meter.AddFrame(&f)
	}
	s.meter.Flush()
	return s.err
}
