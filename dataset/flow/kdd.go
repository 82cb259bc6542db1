package flow

import (
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/packet"
)

// KDD connection states (the "flag" feature), as Bro — now Zeek — names
// them in its conn_state field, from which the KDD Cup 1999 data took them.
const (
	KDDFlagSF     = "SF"     // normal establishment and termination
	KDDFlagS0     = "S0"     // connection attempt seen, no reply
	KDDFlagS1     = "S1"     // established, not terminated
	KDDFlagS2     = "S2"     // established, close attempt by originator seen (no reply)
	KDDFlagS3     = "S3"     // established, close attempt by responder seen (no reply)
	KDDFlagREJ    = "REJ"    // connection attempt rejected
	KDDFlagRSTO   = "RSTO"   // established, originator aborted (sent RST)
	KDDFlagRSTR   = "RSTR"   // established, responder aborted
	KDDFlagRSTOS0 = "RSTOS0" // originator sent SYN then RST, no SYN+ACK seen
	KDDFlagSH     = "SH"     // originator sent SYN then FIN, no SYN+ACK seen
	KDDFlagOTH    = "OTH"    // no SYN seen: midstream traffic
)

// KDDFlag returns the KDD/Bro connection state of a record: for TCP from
// the flags seen per direction and the handshake order, SF for other
// protocols.
func KDDFlag(f *Flow) string {
	r := &f.Record
	if r.Key.Proto != packet.ProtoTCP {
		return KDDFlagSF
	}
	var origSYN, respSYNACK bool
	if f.kdd != nil {
		origSYN, respSYNACK = f.kdd.origSYN, f.kdd.respSYNACK
	} else {
		origSYN = r.FwdFlags&packet.TCPFlagSYN != 0
		respSYNACK = r.BwdFlags&(packet.TCPFlagSYN|packet.TCPFlagACK) == packet.TCPFlagSYN|packet.TCPFlagACK
	}
	fR, bR := r.FwdFlags&packet.TCPFlagRST != 0, r.BwdFlags&packet.TCPFlagRST != 0
	fF, bF := r.FwdFlags&packet.TCPFlagFIN != 0, r.BwdFlags&packet.TCPFlagFIN != 0
	switch {
	case !origSYN:
		return KDDFlagOTH
	case !respSYNACK:
		switch {
		case fR:
			return KDDFlagRSTOS0
		case bR:
			return KDDFlagREJ
		case fF:
			return KDDFlagSH
		}
		return KDDFlagS0
	case fR:
		return KDDFlagRSTO
	case bR:
		return KDDFlagRSTR
	case fF && bF:
		return KDDFlagSF
	case fF:
		return KDDFlagS2
	case bF:
		return KDDFlagS3
	}
	return KDDFlagS1
}

var tcpServices = map[uint16]string{
	7: "echo", 9: "discard", 11: "systat", 13: "daytime", 15: "netstat", 20: "ftp_data", 21: "ftp",
	22: "ssh", 23: "telnet", 25: "smtp", 37: "time", 42: "name", 43: "whois", 53: "domain",
	57: "mtp", 70: "gopher", 71: "remote_job", 77: "rje", 79: "finger", 80: "http", 84: "ctf",
	95: "supdup", 101: "hostnames", 102: "iso_tsap", 105: "csnet_ns", 109: "pop_2", 110: "pop_3",
	111: "sunrpc", 113: "auth", 117: "uucp_path", 119: "nntp", 137: "netbios_ns",
	138: "netbios_dgm", 139: "netbios_ssn", 143: "imap4", 150: "sql_net", 175: "vmnet", 179: "bgp",
	194: "IRC", 210: "Z39_50", 245: "link", 389: "ldap", 443: "http_443", 512: "exec", 513: "login",
	514: "shell", 515: "printer", 520: "efs", 530: "courier", 540: "uucp", 543: "klogin",
	544: "kshell", 1911: "mtp", 2784: "http_2784", 5190: "aol", 6667: "IRC", 8001: "http_8001",
}

var udpServices = map[uint16]string{53: "domain_u", 69: "tftp_u", 123: "ntp_u"}

// KDDService returns the KDD "service" of a record: the name KDD gives the
// responder's TCP or UDP port (X11 for 6000–6063), "private" for another
// port below 1024 and "other" above; for ICMP the message type (eco_i,
// ecr_i, urp_i, urh_i, red_i, tim_i, oth_i).
func KDDService(r *Record) string {
	switch r.Key.Proto {
	case packet.ProtoTCP, packet.ProtoUDP:
		p := r.Key.DstPort
		m := tcpServices
		if r.Key.Proto == packet.ProtoUDP {
			m = udpServices
		} else if p >= 6000 && p <= 6063 {
			return "X11"
		}
		if s, ok := m[p]; ok {
			return s
		}
		if p < 1024 {
			return "private"
		}
		return "other"
	case packet.ProtoICMP, packet.ProtoICMPv6:
		switch t, c := r.ICMPType, r.ICMPCode; {
		case t == 8 || t == 128:
			return "eco_i"
		case t == 0 || t == 129:
			return "ecr_i"
		case (t == 3 && c == 3) || (t == 1 && c == 4):
			return "urp_i"
		case t == 3 || t == 1:
			return "urh_i"
		case t == 5 || t == 137:
			return "red_i"
		case t == 13 || t == 14:
			return "tim_i"
		}
		return "oth_i"
	}
	return "other"
}

// KDDContentColumns are the 13 content features of KDD, which need the
// payload inspected (login attempts, shell prompts, file creations…). The
// KDD set emits 0 for them.
var KDDContentColumns = []string{
	"hot", "num_failed_logins", "logged_in", "num_compromised", "root_shell", "su_attempted",
	"num_root", "num_file_creations", "num_shells", "num_access_files", "num_outbound_cmds",
	"is_host_login", "is_guest_login",
}

type kddConn struct {
	startNS int64
	dst     netip.Addr
	src     netip.Addr
	sport   uint16
	service string
	serror  bool
	rerror  bool
}

// KDD computes NSL-KDD's 41 features (dataset.NSLKDDSchema) from metered
// flows, as the KDD Cup 1999 task description defines them (Stolfo et al.;
// "KDD Cup 1999: Computer network intrusion detection", task description):
//
//   - basic: duration (s), protocol_type, service (KDDService), flag
//     (KDDFlag), src_bytes and dst_bytes (payload bytes from the
//     originator and the responder), land (same address and port both
//     ends), wrong_fragment (damaged fragments and length fields), urgent
//     (packets with URG);
//   - content (KDDContentColumns): 0, the payload is not inspected;
//   - time-based traffic, over the connections that started in the 2 s
//     before this one (this one excluded; at most the last 2,048): count and the rates among those
//     to the same host (serror: flag S0–S3; rerror: REJ; same_srv,
//     diff_srv), srv_count and the rates among those to the same service
//     (srv_serror, srv_rerror, srv_diff_host);
//   - host-based traffic, over the last 100 connections: dst_host_count
//     (to the same host), dst_host_srv_count (same service), and the
//     rates dst_host_same_srv, diff_srv, same_src_port, srv_diff_host,
//     serror, srv_serror, rerror, srv_rerror.
//
// count and srv_count are capped at 511 and the dst_host counts at 255,
// the largest values NSL-KDD holds. Connections enter the history in the
// order the meter emits them (when they end), not when they start.
//
// A KDD keeps that history, so it is not safe for concurrent use: give it
// the flows of one meter in emission order.
type KDD struct {
	hist []kddConn // ring of the last kddHistory connections
	next int
	full bool
}

const (
	kddHostWindow = 100
	// kddHistory bounds the connections kept for the 2 s window: 2,048
	// reach the 511 cap of count even when most go elsewhere.
	kddHistory = 2048
)

// NewKDD returns a KDD with an empty history.
func NewKDD() *KDD { return &KDD{hist: make([]kddConn, kddHistory)} }

// Schema returns dataset.NSLKDDSchema().
func (k *KDD) Schema() dataset.Schema { return dataset.NSLKDDSchema() }

var protoNames = map[uint8]string{packet.ProtoTCP: "tcp", packet.ProtoUDP: "udp", packet.ProtoICMP: "icmp", packet.ProtoICMPv6: "icmp"}

// Row writes f's 41 features into dst, in NSL-KDD's column order, and adds
// f to the history.
func (k *KDD) Row(f *Flow, dst *dataset.Row) error {
	if k.hist == nil {
		k.hist = make([]kddConn, kddHistory)
	}
	r := &f.Record
	dst.Reset(41)
	v, c := dst.Num, dst.Cat
	for i := range v {
		v[i] = 0
		c[i] = ""
	}
	flag := KDDFlag(f)
	service := KDDService(r)
	proto := protoNames[r.Key.Proto]
	if proto == "" {
		proto = "other"
	}
	v[0] = r.End.Sub(r.Start).Seconds()
	c[1], c[2], c[3] = proto, service, flag
	v[4], v[5] = float64(r.FwdPayloadBytes), float64(r.BwdPayloadBytes)
	if r.Key.Src == r.Key.Dst && r.Key.SrcPort == r.Key.DstPort {
		v[6] = 1
	}
	if f.kdd != nil {
		v[7], v[8] = float64(min(f.kdd.wrongFrag, 3)), float64(f.kdd.urgent)
	}
	// time-based traffic features over the last 2 s
	cur := kddConn{startNS: r.Start.UnixNano(), dst: r.Key.Dst, src: r.Key.Src, sport: r.Key.SrcPort, service: service,
		serror: flag == KDDFlagS0 || flag == KDDFlagS1 || flag == KDDFlagS2 || flag == KDDFlagS3, rerror: flag == KDDFlagREJ}
	var cnt, srv, cntS, cntR, cntSame, srvS, srvR, srvDiffHost float64
	n := k.next
	if k.full {
		n = len(k.hist)
	}
	window := int64(2 * time.Second)
	var dh, dhSrv, dhSameSrv, dhSamePort, dhSrvDiffHost, dhS, dhSrvS, dhR, dhSrvR float64
	// newest first: the last 100 connections for the host-based features,
	// as far back as 2 s (within the ring) for the time-based ones
	for j := range n {
		i := k.next - 1 - j
		if i < 0 {
			i += len(k.hist)
		}
		h := &k.hist[i]
		recent := cur.startNS-h.startNS <= window && h.startNS <= cur.startNS+window
		if j >= kddHostWindow {
			if !recent {
				if cur.startNS-h.startNS > 2*window {
					break // the ring is in emission order: nothing older can be recent
				}
				continue
			}
			if h.dst == cur.dst {
				cnt++
				if h.serror {
					cntS++
				}
				if h.rerror {
					cntR++
				}
				if h.service == cur.service {
					cntSame++
				}
			}
			if h.service == cur.service {
				srv++
				if h.serror {
					srvS++
				}
				if h.rerror {
					srvR++
				}
				if h.dst != cur.dst {
					srvDiffHost++
				}
			}
			continue
		}
		if h.dst == cur.dst {
			if recent {
				cnt++
				if h.serror {
					cntS++
				}
				if h.rerror {
					cntR++
				}
				if h.service == cur.service {
					cntSame++
				}
			}
			dh++
			if h.service == cur.service {
				dhSameSrv++
			}
			if h.sport == cur.sport {
				dhSamePort++
			}
			if h.serror {
				dhS++
			}
			if h.rerror {
				dhR++
			}
		}
		if h.service == cur.service {
			if recent {
				srv++
				if h.serror {
					srvS++
				}
				if h.rerror {
					srvR++
				}
				if h.dst != cur.dst {
					srvDiffHost++
				}
			}
			dhSrv++
			if h.dst != cur.dst {
				dhSrvDiffHost++
			}
			if h.serror {
				dhSrvS++
			}
			if h.rerror {
				dhSrvR++
			}
		}
	}
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return float64(int(a/b*100+0.5)) / 100 // KDD rounds rates to 2 decimals
	}
	v[22], v[23] = min(cnt, 511), min(srv, 511)
	v[24], v[25] = ratio(cntS, cnt), ratio(srvS, srv)
	v[26], v[27] = ratio(cntR, cnt), ratio(srvR, srv)
	v[28], v[29] = ratio(cntSame, cnt), ratio(cnt-cntSame, cnt)
	v[30] = ratio(srvDiffHost, srv)
	v[31], v[32] = min(dh, 255), min(dhSrv, 255)
	v[33], v[34] = ratio(dhSameSrv, dh), ratio(dh-dhSameSrv, dh)
	v[35], v[36] = ratio(dhSamePort, dh), ratio(dhSrvDiffHost, dhSrv)
	v[37], v[38] = ratio(dhS, dh), ratio(dhSrvS, dhSrv)
	v[39], v[40] = ratio(dhR, dh), ratio(dhSrvR, dhSrv)
	k.hist[k.next] = cur
	k.next++
	if k.next == len(k.hist) {
		k.next, k.full = 0, true
	}
	dst.Label = ""
	return nil
}
