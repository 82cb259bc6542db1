package ngap

import (
	"fmt"
	mbits "math/bits"
	"strconv"
)

// CauseGroup is the alternative of an NGAP Cause (TS 38.413 §9.3.1.2):
// the CHOICE { radioNetwork, transport, nas, protocol, misc,
// choice-Extensions }.
type CauseGroup uint8

// Cause groups.
const (
	CauseRadioNetwork CauseGroup = 0
	CauseTransport    CauseGroup = 1
	CauseNAS          CauseGroup = 2
	// CauseProtocol is the group a receiver uses when it cannot decode or
	// process a message (TS 38.413 clause 10): transfer-syntax-error (0),
	// abstract-syntax-error-reject (1),
	// abstract-syntax-error-ignore-and-notify (2),
	// message-not-compatible-with-receiver-state (3), semantic-error (4),
	// abstract-syntax-error-falsely-constructed-message (5), unspecified (6).
	CauseProtocol CauseGroup = 3
	CauseMisc     CauseGroup = 4
	// CauseExtension is the choice-Extensions alternative; its value is
	// not read.
	CauseExtension CauseGroup = 5
)

// String returns "radio_network", "transport", "nas", "protocol", "misc",
// "extension" or "cause_N".
func (g CauseGroup) String() string {
	switch g {
	case CauseRadioNetwork:
		return "radio_network"
	case CauseTransport:
		return "transport"
	case CauseNAS:
		return "nas"
	case CauseProtocol:
		return "protocol"
	case CauseMisc:
		return "misc"
	case CauseExtension:
		return "extension"
	}
	return "cause_" + strconv.Itoa(int(g))
}

// causeRoot is the number of root values of each group's extensible
// ENUMERATED (TS 38.413 release 17 §9.4.5); X.691 §13.2 gives its index
// the fewest bits that hold causeRoot−1.
var causeRoot = [5]int{45, 2, 4, 7, 6}

// ParseCause decodes a Cause value (IE 15): the 3-bit choice index, then
// the group's ENUMERATED, an extension bit and the root index in its bits,
// or, with the extension bit set, a normally small non-negative whole
// number (X.691 §10.6) counted after the root values. The value of the
// choice-Extensions alternative is 0.
func ParseCause(v []byte) (CauseGroup, uint8, error) {
	r := bits{b: v}
	c, ok := r.read(3)
	if !ok {
		return 0, 0, fmt.Errorf("cause empty")
	}
	g := CauseGroup(c)
	switch {
	case g == CauseExtension:
		return g, 0, nil
	case g > CauseExtension:
		return 0, 0, fmt.Errorf("cause choice index %d of 6", c)
	}
	ext, ok := r.read(1)
	if !ok {
		return 0, 0, fmt.Errorf("cause %s truncated", g)
	}
	if ext == 0 {
		x, ok := r.read(mbits.Len(uint(causeRoot[g] - 1)))
		if !ok {
			return 0, 0, fmt.Errorf("cause %s truncated", g)
		}
		if int(x) >= causeRoot[g] {
			return 0, 0, fmt.Errorf("cause %s value %d of %d root values", g, x, causeRoot[g])
		}
		return g, uint8(x), nil
	}
	small, ok := r.read(1)
	if !ok {
		return 0, 0, fmt.Errorf("cause %s extension truncated", g)
	}
	if small != 0 {
		return 0, 0, fmt.Errorf("cause %s extension index of 64 or more", g)
	}
	x, ok := r.read(6)
	if !ok {
		return 0, 0, fmt.Errorf("cause %s extension truncated", g)
	}
	return g, uint8(causeRoot[g] + int(x)), nil
}
