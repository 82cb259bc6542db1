package flowrec

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// KernelDrops returns how many datagrams the operating system dropped
// before the collector could read them (its socket receive buffer was
// full), from Linux's /proc/net/udp and /proc/net/udp6 "drops" column for
// the collector's port; ok is false where that is not available. These
// drops happen before the collector sees a datagram, so they are in no
// other counter. The column is the socket's own drop counter (sk_drops,
// the count Linux's SO_RXQ_OVFL option attaches to each datagram read);
// it is read here rather than from each datagram because SO_RXQ_OVFL
// shows a drop only with the next datagram that gets through, so the
// drops at the end of a burst would stay unseen until traffic resumes.
// Each call reads the file: call it for a summary or a periodic metric,
// not per datagram.
func (c *Collector) KernelDrops() (drops uint64, ok bool) {
	ua, isUDP := c.conn.LocalAddr().(*net.UDPAddr)
	if !isUDP {
		return 0, false
	}
	suffix := fmt.Sprintf(":%04X", ua.Port)
	for _, name := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		lines := strings.Split(string(data), "\n")
		for _, line := range lines[min(1, len(lines)):] {
			f := strings.Fields(line)
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
			if len(f) < 13 || !strings.HasSuffix(f[1], suffix) {
				continue
			}
			n, err := strconv.ParseUint(f[12], 10, 64)
			if err != nil {
				return 0, false
			}
			return n, true
		}
	}
	return 0, false
}
