//go:build linux

package packet

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopacket/gopacket/afpacket"
)

// ErrLiveTimeout is returned by Live.Next when no packet arrived within
// LiveConfig.Poll; the caller may advance its meter's clock and call again.
var ErrLiveTimeout = errors.New("packet: no packet within the poll timeout")

// LiveConfig configures live capture. The zero value captures whole frames
// with a 100 ms poll timeout.
type LiveConfig struct {
	// Poll is how long Next waits for a packet before ErrLiveTimeout.
	// Default 100 ms.
	Poll time.Duration
	// Promiscuous puts the interface in promiscuous mode.
	Promiscuous bool
}

// Live captures frames from a Linux network interface through an AF_PACKET
// TPACKET ring (gopacket's afpacket, no cgo). It needs CAP_NET_RAW. Frames
// have link type Ethernet. Not safe for concurrent use.
type Live struct {
	tp   *afpacket.TPacket
	name string
	n    int64
}

// OpenLive opens interface iface ("eth0", "lo", …) for capture.
func OpenLive(iface string, cfg LiveConfig) (*Live, error) {
	poll := cfg.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	tp, err := afpacket.NewTPacket(afpacket.OptInterface(iface), afpacket.OptPollTimeout(poll))
	if err != nil {
		return nil, fmt.Errorf("packet: live capture on %s: %w", iface, err)
	}
	if cfg.Promiscuous {
		if err := tp.SetPromiscuous(true); err != nil {
			tp.Close()
			return nil, fmt.Errorf("packet: promiscuous mode on %s: %w", iface, err)
		}
	}
	return &Live{tp: tp, name: iface}, nil
}

// Next reads the next frame into f; Data aliases the ring and is valid
// until the next call. It returns ErrLiveTimeout when none arrived in time.
func (l *Live) Next(f *Frame) error {
	data, ci, err := l.tp.ZeroCopyReadPacketData()
	if err != nil {
		if errors.Is(err, afpacket.ErrTimeout) {
			return ErrLiveTimeout
		}
		return fmt.Errorf("packet: live capture on %s: %w", l.name, err)
	}
	l.n++
	*f = Frame{Number: l.n, Time: ci.Timestamp.UTC(), Link: LinkEthernet, Interface: ci.InterfaceIndex,
		OrigLen: max(ci.Length, len(data)), Data: data}
	return nil
}

// Drops returns the packets the kernel dropped because the ring was full.
func (l *Live) Drops() (uint, error) {
	_, v3, err := l.tp.SocketStats()
	if err != nil {
		return 0, fmt.Errorf("packet: live capture on %s: %w", l.name, err)
	}
	return v3.Drops(), nil
}

// Close releases the ring and the socket.
func (l *Live) Close() error {
	l.tp.Close()
	return nil
}
