package flowrec

import (
	"github.com/netwarden/netwarden/dataset/flow"
	"net/netip"
	"time"
)

// heldSet is a data set that came before its template.
type heldSet struct {
	key      templateKey
	exporter netip.Addr
	st       *Stats
	h        header
	src      flow.SourceKind
	base     int
	at       time.Time
	data     []byte
}

// hold keeps a copy of a data set until its template comes, within
// Config.HoldTime, HoldSets and HoldBytes; what cannot be held is skipped
// with ReasonNoTemplate at once.
func (d *Decoder) hold(exporter netip.Addr, k templateKey, b []byte, base int, h *header, now time.Time) {
	if d.replaying {
		// A replayed set whose template vanished again: give up on it.
		d.fail(exporter, base, ReasonNoTemplate, "no template for data set")
		return
	}
	if d.cfg.HoldTime < 0 || len(d.held) >= d.cfg.HoldSets || d.heldBytes+len(b) > d.cfg.HoldBytes {
		d.fail(exporter, base, ReasonNoTemplate, "no template for data set, and it cannot be held")
		return
	}
	src := flow.SourceIPFIX
	if k.version == 9 {
		src = flow.SourceNetFlowV9
	}
	d.held = append(d.held, heldSet{
		key: k, exporter: exporter, st: d.cur, h: *h, src: src, base: base, at: now,
		data: append([]byte(nil), b...),
	})
	d.heldBytes += len(b)
	d.cur.Held++
}

// expireHeld drops held sets older than Config.HoldTime.
func (d *Decoder) expireHeld(now time.Time) {
	if now.IsZero() {
		return
	}
	kept := d.held[:0]
	for _, s := range d.held {
		if !s.at.IsZero() && now.Sub(s.at) > d.cfg.HoldTime {
			s.st.Skipped[ReasonNoTemplate]++
			d.heldBytes -= len(s.data)
			continue
		}
		kept = append(kept, s)
	}
	clear(d.held[len(kept):])
	d.held = kept
}

// replay decodes the held sets of template k, in the order they came.
func (d *Decoder) replay(dst []Record, k templateKey, now time.Time) []Record {
	cur, was := d.cur, d.replaying
	d.replaying = true
	kept := d.held[:0]
	for _, s := range d.held {
		if s.key != k {
			kept = append(kept, s)
			continue
		}
		d.cur = s.st
		d.heldBytes -= len(s.data)
		h := s.h
		var n int
		dst, n = d.dataSet(dst, s.exporter, k, s.data, s.base, &h, s.src, now)
		if n >= 0 {
			s.st.Replayed++
		}
	}
	clear(d.held[len(kept):])
	d.held = kept
	d.cur, d.replaying = cur, was
	return dst
}

// Held returns the number of data sets waiting for their template.
func (d *Decoder) Held() int { return len(d.held) }
