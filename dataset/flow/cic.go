package flow

import (
	"math"
	"math/bits"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/packet"
)

// stat keeps running count, sum, mean, M2 (Welford), min and max.
type stat struct {
	n, sum, mean, m2, min, max float64
}

func (s *stat) add(x float64) {
	s.n++
	s.sum += x
	d := x - s.mean
	s.mean += d / s.n
	s.m2 += d * (x - s.mean)
	if s.n == 1 || x < s.min {
		s.min = x
	}
	if s.n == 1 || x > s.max {
		s.max = x
	}
}

// variance is the sample variance (n−1 denominator, as Apache Commons
// Math's SummaryStatistics, which CICFlowMeter uses), 0 for n < 2.
func (s *stat) variance() float64 {
	if s.n < 2 {
		return 0
	}
	return s.m2 / (s.n - 1)
}

func (s *stat) std() float64 { return math.Sqrt(s.variance()) }

// bulk follows CICFlowMeter's bulk detection: at least 4 consecutive
// payload-carrying packets in one direction, no gap over 1 s, not
// interrupted by a payload packet of the other direction.
type bulk struct {
	dur, pkts, size, states            int64
	pktHelper, startHelper, sizeHelper int64
	last                               int64
}

// update adds a payload packet of size at time ts (µs); otherLast is the
// other direction's last bulk packet time.
func (b *bulk) update(size, ts, otherLast int64) {
	if otherLast > b.startHelper {
		b.startHelper = 0
	}
	if size <= 0 {
		return
	}
	if b.startHelper == 0 {
		b.startHelper, b.pktHelper, b.sizeHelper, b.last = ts, 1, size, ts
		return
	}
	if ts-b.last > 1_000_000 {
		b.startHelper, b.last, b.pktHelper, b.sizeHelper = ts, ts, 1, size
		return
	}
	b.pktHelper++
	b.sizeHelper += size
	switch {
	case b.pktHelper == 4:
		b.states++
		b.pkts += b.pktHelper
		b.size += b.sizeHelper
		b.dur += ts - b.startHelper
	case b.pktHelper > 4:
		b.pkts++
		b.size += size
		b.dur += ts - b.last
	}
	b.last = ts
}

// cicState holds the per-flow statistics of the CIC feature set. Times are
// in microseconds, as CICFlowMeter keeps them.
type cicState struct {
	fwdLen, bwdLen, allLen  stat
	flowIAT, fwdIAT, bwdIAT stat
	active, idle            stat
	lastUS, fwdLastUS       int64
	bwdLastUS               int64
	startActive, endActive  int64
	fPSH, bPSH, fURG, bURG  float64
	fHdr, bHdr              float64
	flags                   [8]float64 // FIN SYN RST PSH ACK URG CWR ECE
	initWinF, initWinB      float64
	seenWinF, seenWinB      bool
	actDataF                float64
	minSegF                 float64
	sfCount                 float64
	sfLastUS                int64
	fb, bb                  bulk
}

func (c *cicState) reset() { *c = cicState{} }

// cicFlagSlot maps a flag's bit position in the TCP flags octet (FIN SYN
// RST PSH ACK URG ECE CWR) to its counter in cicState.flags.
var cicFlagSlot = [8]uint8{0, 1, 2, 3, 4, 5, 7, 6}

// add adds a packet at nowNS; actUS is the activity timeout in µs, first
// says the packet is the flow's first.
func (c *cicState) add(fwd bool, nowNS int64, s *packet.Summary, actUS int64, compat, first bool) {
	us := nowNS / 1000
	p := float64(max(s.PayloadLen, 0))
	hl := float64(s.TransportLen)
	tcp := s.Proto == packet.ProtoTCP
	if first {
		c.startActive, c.endActive = us, us
		c.sfCount, c.sfLastUS = 1, us
	} else {
		c.flowIAT.add(float64(us - c.lastUS))
		// active and idle periods: CICFlowMeter's updateActiveIdleTime
		if us-c.endActive > actUS {
			if c.endActive-c.startActive > 0 {
				c.active.add(float64(c.endActive - c.startActive))
			}
			c.idle.add(float64(us - c.endActive))
			c.startActive, c.endActive = us, us
		} else {
			c.endActive = us
		}
		if us-c.sfLastUS > 1_000_000 {
			c.sfCount++
		}
		c.sfLastUS = us
	}
	c.lastUS = us
	c.allLen.add(p)
	if compat && first {
		// CICFlowMeter's firstPacket adds the first packet's length twice
		c.allLen.add(p)
	}
	// one step per flag set (the NS bit above the octet is not counted)
	for f := uint8(s.TCPFlags); f != 0; f &= f - 1 {
		c.flags[cicFlagSlot[bits.TrailingZeros8(f)]]++
	}
	psh, urg := s.TCPFlags&packet.TCPFlagPSH != 0, s.TCPFlags&packet.TCPFlagURG != 0
	if fwd {
		c.fwdLen.add(p)
		if c.fwdLen.n > 1 {
			c.fwdIAT.add(float64(us - c.fwdLastUS))
		}
		c.fwdLastUS = us
		c.fHdr += hl
		if psh {
			c.fPSH++
		}
		if urg {
			c.fURG++
		}
		if p >= 1 && (!compat || !first) {
			c.actDataF++
		}
		if c.fwdLen.n == 1 || hl < c.minSegF {
			c.minSegF = hl
		}
		if tcp && !c.seenWinF {
			c.initWinF, c.seenWinF = float64(s.Window), true
		}
		c.fb.update(int64(p), us, c.bb.last)
	} else {
		c.bwdLen.add(p)
		if c.bwdLen.n > 1 {
			c.bwdIAT.add(float64(us - c.bwdLastUS))
		}
		c.bwdLastUS = us
		c.bHdr += hl
		if psh {
			c.bPSH++
		}
		if urg {
			c.bURG++
		}
		if tcp && !c.seenWinB {
			c.initWinB, c.seenWinB = float64(s.Window), true
		}
		c.bb.update(int64(p), us, c.fb.last)
	}
}

// CICColumns are the 78 feature columns of CIC-IDS2017's published CSVs
// (MachineLearningCVE), in their order, with the names dataset's CSV
// reader gives them (leading spaces trimmed, the repeated "Fwd Header
// Length" suffixed ".1"; "CWE Flag Count" is CIC-IDS2017's spelling of the
// CWR count). Durations and inter-arrival times are in microseconds,
// lengths in bytes of transport payload, rates per second.
var CICColumns = []string{
	"Destination Port", "Flow Duration", "Total Fwd Packets", "Total Backward Packets",
	"Total Length of Fwd Packets", "Total Length of Bwd Packets",
	"Fwd Packet Length Max", "Fwd Packet Length Min", "Fwd Packet Length Mean", "Fwd Packet Length Std",
	"Bwd Packet Length Max", "Bwd Packet Length Min", "Bwd Packet Length Mean", "Bwd Packet Length Std",
	"Flow Bytes/s", "Flow Packets/s", "Flow IAT Mean", "Flow IAT Std", "Flow IAT Max", "Flow IAT Min",
	"Fwd IAT Total", "Fwd IAT Mean", "Fwd IAT Std", "Fwd IAT Max", "Fwd IAT Min",
	"Bwd IAT Total", "Bwd IAT Mean", "Bwd IAT Std", "Bwd IAT Max", "Bwd IAT Min",
	"Fwd PSH Flags", "Bwd PSH Flags", "Fwd URG Flags", "Bwd URG Flags",
	"Fwd Header Length", "Bwd Header Length", "Fwd Packets/s", "Bwd Packets/s",
	"Min Packet Length", "Max Packet Length", "Packet Length Mean", "Packet Length Std", "Packet Length Variance",
	"FIN Flag Count", "SYN Flag Count", "RST Flag Count", "PSH Flag Count", "ACK Flag Count", "URG Flag Count",
	"CWE Flag Count", "ECE Flag Count", "Down/Up Ratio", "Average Packet Size",
	"Avg Fwd Segment Size", "Avg Bwd Segment Size", "Fwd Header Length.1",
	"Fwd Avg Bytes/Bulk", "Fwd Avg Packets/Bulk", "Fwd Avg Bulk Rate",
	"Bwd Avg Bytes/Bulk", "Bwd Avg Packets/Bulk", "Bwd Avg Bulk Rate",
	"Subflow Fwd Packets", "Subflow Fwd Bytes", "Subflow Bwd Packets", "Subflow Bwd Bytes",
	"Init_Win_bytes_forward", "Init_Win_bytes_backward", "act_data_pkt_fwd", "min_seg_size_forward",
	"Active Mean", "Active Std", "Active Max", "Active Min", "Idle Mean", "Idle Std", "Idle Max", "Idle Min",
}

// CIC is the CICFlowMeter feature set (Lashkari et al., "Characterization
// of Tor Traffic using Time based Features", ICISSP 2017; Sharafaldin et
// al., "Toward Generating a New Intrusion Detection Dataset and Intrusion
// Traffic Characterization", ICISSP 2018) with CIC-IDS2017's column names.
//
// By default the features are the corrected ones of Engelen, Rimmer and
// Joosen, "Troubleshooting an Intrusion Detection Dataset: the CICIDS2017
// Case Study" (IEEE SPW 2021). A meter with Config.CICCompat (see
// CICCompatConfig) reproduces CICFlowMeter's behaviour instead, so a model
// trained on the published CSVs sees what it was trained on. Each
// difference:
//
//	feature / behaviour            corrected (default)                      compatibility (CICFlowMeter, CIC-IDS2017)
//	TCP teardown                   flow ends after FIN both ways or RST,    first FIN ends the flow; the rest of the
//	                               trailing ACKs absorbed                   teardown starts new flows ("TCP appendices")
//	one-packet flows               kept                                      dropped (MinPackets 2)
//	timeouts                       60 s idle, 30 min active                  120 s from the first packet, no idle timeout
//	Min/Max/Mean/Std/Variance      each packet once                          first packet counted twice
//	  Packet Length, Average
//	  Packet Size
//	act_data_pkt_fwd               counts the first packet                   misses the first packet
//	Fwd/Bwd bulk features          per direction, as the algorithm intends   0 (the direction test compares byte
//	                                                                         arrays by reference; CIC-IDS2017 holds 0)
//	Bwd PSH Flags, Bwd URG Flags   counted                                   0, as in every CIC-IDS2017 row
//	Subflow Fwd/Bwd Packets/Bytes  totals / number of subflows (gaps > 1 s)  the totals (integer division by a count
//	                                                                         that is 1 in the published CSVs)
//	Init_Win_bytes_*               first TCP window, 0 when none             first TCP window, −1 when none
//	Down/Up Ratio                  bwd/fwd packets as a real number          integer division
//	Flow Bytes/s, Flow Packets/s   0 for a zero-duration flow                +Inf (NaN for 0/0), as Java divides
//	Active/Idle                    the last active period included           the last active period left out
//	inter-arrival times            never negative (the meter's clock         never negative either: the meter orders
//	                               never goes back)                          time; CICFlowMeter's negative IATs from
//	                                                                         out-of-order captures are not reproduced
//
// Lengths are transport payload bytes; Fwd/Bwd Header Length sum the
// transport header lengths (TCP data offset, 8 for UDP). CIC is stateless
// and safe for concurrent use.
type CIC struct{}

// Schema returns the 78 numeric columns named in CICColumns.
func (CIC) Schema() dataset.Schema {
	cols := make([]dataset.Column, len(CICColumns))
	for i, n := range CICColumns {
		cols[i] = dataset.Column{Name: n, Kind: dataset.Numeric}
	}
	return dataset.Schema{Columns: cols}
}

func rate(n, durUS float64, compat bool) float64 {
	if durUS > 0 {
		return n / (durUS / 1e6)
	}
	if !compat {
		return 0
	}
	if n == 0 {
		return math.NaN()
	}
	return math.Inf(1)
}

// Row writes f's CIC features into dst (resized with dst.Reset). It
// returns ErrNotTracked when the meter ran without Config.CIC.
func (CIC) Row(f *Flow, dst *dataset.Row) error {
	c := f.cic
	if c == nil {
		return ErrNotTracked
	}
	dst.Reset(len(CICColumns))
	v := dst.Num
	r := &f.Record
	compat := f.compat
	dur := float64(r.End.Sub(r.Start).Microseconds())
	fwdN, bwdN := c.fwdLen.n, c.bwdLen.n
	total := fwdN + bwdN
	v[0] = float64(r.Key.DstPort)
	v[1] = dur
	v[2], v[3] = fwdN, bwdN
	v[4], v[5] = c.fwdLen.sum, c.bwdLen.sum
	v[6], v[7], v[8], v[9] = c.fwdLen.max, c.fwdLen.min, c.fwdLen.mean, c.fwdLen.std()
	v[10], v[11], v[12], v[13] = c.bwdLen.max, c.bwdLen.min, c.bwdLen.mean, c.bwdLen.std()
	v[14] = rate(c.fwdLen.sum+c.bwdLen.sum, dur, compat)
	v[15] = rate(total, dur, compat)
	v[16], v[17], v[18], v[19] = c.flowIAT.mean, c.flowIAT.std(), c.flowIAT.max, c.flowIAT.min
	v[20], v[21], v[22], v[23], v[24] = c.fwdIAT.sum, c.fwdIAT.mean, c.fwdIAT.std(), c.fwdIAT.max, c.fwdIAT.min
	v[25], v[26], v[27], v[28], v[29] = c.bwdIAT.sum, c.bwdIAT.mean, c.bwdIAT.std(), c.bwdIAT.max, c.bwdIAT.min
	v[30], v[31], v[32], v[33] = c.fPSH, c.bPSH, c.fURG, c.bURG
	v[34], v[35] = c.fHdr, c.bHdr
	v[36], v[37] = rate(fwdN, dur, false), rate(bwdN, dur, false)
	v[38], v[39], v[40], v[41], v[42] = c.allLen.min, c.allLen.max, c.allLen.mean, c.allLen.std(), c.allLen.variance()
	copy(v[43:51], c.flags[:])
	if fwdN > 0 {
		v[51] = bwdN / fwdN
		if compat {
			v[51] = math.Floor(v[51])
		}
	} else {
		v[51] = 0
	}
	if total > 0 {
		v[52] = c.allLen.sum / total
		if compat {
			v[52] = c.allLen.sum / total // the sum holds the first packet twice
		}
	} else {
		v[52] = 0
	}
	v[53], v[54] = c.fwdLen.mean, c.bwdLen.mean
	v[55] = c.fHdr
	bulkRow(v[56:59], &c.fb)
	bulkRow(v[59:62], &c.bb)
	if compat {
		v[31], v[33] = 0, 0
		for i := 56; i < 62; i++ {
			v[i] = 0
		}
		v[62], v[63], v[64], v[65] = fwdN, math.Floor(c.fwdLen.sum), bwdN, math.Floor(c.bwdLen.sum)
	} else {
		sf := max(c.sfCount, 1)
		v[62], v[63], v[64], v[65] = fwdN/sf, c.fwdLen.sum/sf, bwdN/sf, c.bwdLen.sum/sf
	}
	v[66], v[67] = c.initWinF, c.initWinB
	if compat {
		if !c.seenWinF {
			v[66] = -1
		}
		if !c.seenWinB {
			v[67] = -1
		}
	}
	v[68], v[69] = c.actDataF, c.minSegF
	active := c.active
	if !compat && c.endActive-c.startActive > 0 {
		active.add(float64(c.endActive - c.startActive))
	}
	v[70], v[71], v[72], v[73] = active.mean, active.std(), active.max, active.min
	v[74], v[75], v[76], v[77] = c.idle.mean, c.idle.std(), c.idle.max, c.idle.min
	dst.Label = ""
	return nil
}

func bulkRow(v []float64, b *bulk) {
	v[0], v[1], v[2] = 0, 0, 0
	if b.states > 0 {
		v[0] = float64(b.size) / float64(b.states)
		v[1] = float64(b.pkts) / float64(b.states)
	}
	if b.dur > 0 {
		v[2] = float64(b.size) / (float64(b.dur) / 1e6)
	}
}
