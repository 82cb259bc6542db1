package ngap

import "fmt"

// IE ids of the PDU Session Resource lists whose items carry a NAS-PDU
// (TS 38.413 §9.4.7).
const (
	IDPDUSessionResourceModifyListModReq uint16 = 64
	IDPDUSessionResourceSetupListCxtReq  uint16 = 71
	IDPDUSessionResourceSetupListSUReq   uint16 = 74
)

// MaxNestedNAS bounds the NAS-PDUs read from the lists of one PDU: the
// lists hold at most maxnoofPDUSessions (256) items (TS 38.413 §9.4.7).
const MaxNestedNAS = 256

// bits reads an aligned-PER field bit by bit (X.691 §10).
type bits struct {
	b   []byte
	pos int // in bits
}

func (r *bits) read(n int) (uint32, bool) {
	if n > 24 || r.pos+n > 8*len(r.b) {
		return 0, false
	}
	var x uint32
	for i := 0; i < n; i++ {
		x = x<<1 | uint32(r.b[r.pos>>3]>>(7-uint(r.pos&7))&1)
		r.pos++
	}
	return x, true
}

func (r *bits) align() { r.pos = (r.pos + 7) &^ 7 }

// octets reads n aligned octets.
func (r *bits) octets(n int) ([]byte, bool) {
	r.align()
	o := r.pos >> 3
	if n < 0 || o+n > len(r.b) {
		return nil, false
	}
	r.pos += 8 * n
	return r.b[o : o+n], true
}

// openOctets reads an unconstrained OCTET STRING (or an open type): an
// aligned length determinant, then the octets (X.691 §17.8, §11.9.3.6).
func (r *bits) openOctets() ([]byte, bool) {
	r.align()
	n, o, err := length(r.b, r.pos>>3)
	if err != nil {
		return nil, false
	}
	r.pos = 8 * o
	return r.octets(n)
}

// skipExtensions skips a ProtocolExtensionContainer: SEQUENCE (SIZE
// (1..65535)) OF { id (0..65535), criticality, extensionValue open type }
// (TS 38.413 §9.4.6).
func (r *bits) skipExtensions() bool {
	c, ok := r.octets(2)
	if !ok {
		return false
	}
	n := int(c[0])<<8 | int(c[1]) + 1
	for i := 0; i < n; i++ {
		if _, ok := r.octets(2); !ok {
			return false
		}
		if _, ok := r.read(2); !ok {
			return false
		}
		if _, ok := r.openOctets(); !ok {
			return false
		}
	}
	return true
}

// skipSNSSAI skips an S-NSSAI: SEQUENCE { sST OCTET STRING (SIZE(1)),
// sD OCTET STRING (SIZE(3)) OPTIONAL, iE-Extensions OPTIONAL, ... }. The
// one-octet sST is not aligned, the three-octet sD is (X.691 §17.6, §17.7).
func (r *bits) skipSNSSAI() bool {
	pre, ok := r.read(3)
	if !ok || pre&4 != 0 { // an extension addition follows: not read
		return false
	}
	if _, ok := r.read(8); !ok {
		return false
	}
	if pre&2 != 0 {
		if _, ok := r.octets(3); !ok {
			return false
		}
	}
	if pre&1 != 0 {
		return r.skipExtensions()
	}
	return true
}

// nested reads the NAS-PDUs of the items of a PDU Session Resource list
// (IE 64, 71 or 74): SEQUENCE (SIZE(1..256)) OF item, the count in one
// aligned octet (X.691 §11.9.4.1 with §11.5.7.2). Each item is
//
//	SEQUENCE { pDUSessionID INTEGER (0..255), nAS-PDU OPTIONAL,
//	           [s-NSSAI (lists 71, 74)], transfer OCTET STRING,
//	           iE-Extensions OPTIONAL, ... }
//
// An item with extension additions ends the walk after its NAS-PDU: what
// follows it is not read, and NestedSkipped counts the items left.
func (p *PDU) nested(ie *IE, at int) error {
	r := bits{b: ie.Value}
	c, ok := r.octets(1)
	if !ok {
		return bad(at, fmt.Sprintf("IE %d: list count missing", ie.ID))
	}
	n := int(c[0]) + 1
	for i := 0; i < n; i++ {
		pre, ok := r.read(3)
		if !ok {
			return bad(at, fmt.Sprintf("IE %d: item %d of %d truncated", ie.ID, i+1, n))
		}
		if _, ok := r.octets(1); !ok { // pDUSessionID, range 256: one aligned octet
			return bad(at, fmt.Sprintf("IE %d: item %d: PDU session ID truncated", ie.ID, i+1))
		}
		if pre&2 != 0 {
			v, ok := r.openOctets()
			if !ok {
				return bad(at, fmt.Sprintf("IE %d: item %d: NAS-PDU truncated", ie.ID, i+1))
			}
			if len(p.NestedNAS) < MaxNestedNAS {
				p.NestedNAS = append(p.NestedNAS, v)
			}
		}
		if ie.ID != IDPDUSessionResourceModifyListModReq && !r.skipSNSSAI() {
			p.NestedSkipped += n - i - 1
			return nil
		}
		if _, ok := r.openOctets(); !ok {
			return bad(at, fmt.Sprintf("IE %d: item %d: transfer truncated", ie.ID, i+1))
		}
		if pre&1 != 0 && !r.skipExtensions() {
			return bad(at, fmt.Sprintf("IE %d: item %d: extensions truncated", ie.ID, i+1))
		}
		if pre&4 != 0 {
			p.NestedSkipped += n - i - 1
			return nil
		}
	}
	return nil
}
