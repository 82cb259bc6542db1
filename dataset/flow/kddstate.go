package flow

import "github.com/netwarden/netwarden/dataset/packet"

// kddState is what the KDD feature set needs from each flow's packets.
type kddState struct {
	origSYN, respSYNACK bool // a SYN without ACK forward; a SYN+ACK backward
	wrongFrag, urgent   uint32
}

func (k *kddState) add(fwd bool, s *packet.Summary) {
	if s.Fragment && (s.LengthMismatch || (s.FragOffset > 0 && s.FragOffset+s.PayloadLen > 65535)) {
		k.wrongFrag++
	}
	if s.LengthMismatch {
		k.wrongFrag++
	}
	if s.Proto != packet.ProtoTCP {
		return
	}
	if s.TCPFlags&packet.TCPFlagURG != 0 {
		k.urgent++
	}
	syn, ack := s.TCPFlags&packet.TCPFlagSYN != 0, s.TCPFlags&packet.TCPFlagACK != 0
	if fwd && syn && !ack {
		k.origSYN = true
	}
	if !fwd && syn && ack {
		k.respSYNACK = true
	}
}
