//go:build !purego

#include "textflag.h"

// walkQS scores 64 rows of a column-major block (value f of row r at
// x + 4·(64f + r)) as four chains of 16 rows, one row a lane: chain c's
// rows start 64c bytes on, its margins are in Z0+c. The stream (newQS,
// score_qs.go) holds, tree after tree, a 16-byte header (splits, size
// class), the splits (feature × 64, condition, leaf mask: 12 bytes, or 16
// with a 64-bit mask) and the leaf table.
//
// A tree of up to 32 leaves keeps chain c's bit vectors (32 bits a row) in
// Z4+c; one of up to 64 (64 bits a row) in Z4+c for rows 0..7 and Z8+c for
// rows 8..15. Z12 holds a split's condition, Z13 its mask, Z20 all ones,
// Z21 32s; Z14–Z19 are scratch.

// SPLIT32 tests one split for chain C's 16 rows (OFF = 64C): where the
// condition is not above the row's value (x ≥ c, VCMPPS LE_OS: c ≤ x; no
// NaN), the row goes right and keeps only the leaves of the mask.
#define SPLIT32(OFF, K, V) \
	VCMPPS $2, OFF(SI)(AX*4), Z12, K \
	VPANDD Z13, V, K, V

// SPLIT64 is SPLIT32 for 64-bit vectors: rows 0..7 in VA (mask bits 0..7),
// rows 8..15 in VB (bits 8..15).
#define SPLIT64(OFF, K, VA, VB) \
	VCMPPS $2, OFF(SI)(AX*4), Z12, K \
	KSHIFTRW $8, K, K5 \
	VPANDQ Z13, VA, K, VA \
	VPANDQ Z13, VB, K5, VB

// LEAF64 adds to ACC the leaf of the 64-bit vectors VA, VB: leaf i is bit
// 63 − i, the exit leaf the leftmost kept, so i = lzcnt; the first 32
// leaves are at 0(DI) (Z18 holds 0..15), the last at 128(DI) (Z19 holds
// 32..47).
#define LEAF64(VA, VB, ACC) \
	VPLZCNTQ VA, VA \
	VPLZCNTQ VB, VB \
	VPMOVQD VA, Y14 \
	VPMOVQD VB, Y15 \
	VINSERTI64X4 $1, Y15, Z14, Z14 \
	VMOVDQA32 Z14, Z15 \
	VPERMI2PS 64(DI), Z18, Z15 \
	VMOVDQA32 Z14, Z16 \
	VPERMI2PS 192(DI), Z19, Z16 \
	VPTESTMD Z21, Z14, K1 \
	VBLENDMPS Z16, Z15, K1, Z15 \
	VADDPS Z15, ACC, ACC

// func walkQS(qs *uint32, ntrees int, x *float32, acc *float32)
TEXT ·walkQS(SB), NOSPLIT, $0-32
	MOVQ qs+0(FP), DI
	MOVQ ntrees+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ acc+24(FP), R8
	VMOVUPS 0(R8), Z0
	VMOVUPS 64(R8), Z1
	VMOVUPS 128(R8), Z2
	VMOVUPS 192(R8), Z3
	VPTERNLOGD $0xff, Z20, Z20, Z20
	VPSRLD $31, Z20, Z21
	VPSLLD $5, Z21, Z21
	TESTQ R9, R9
	JEQ  qdone

qtree:
	MOVL 0(DI), CX // splits
	MOVL 4(DI), BX // size class
	ADDQ $16, DI
	CMPL BX, $2
	JEQ  q64
	VMOVDQA32 Z20, Z4
	VMOVDQA32 Z20, Z5
	VMOVDQA32 Z20, Z6
	VMOVDQA32 Z20, Z7
	TESTL CX, CX
	JEQ  qleaf32

qsplit32:
	MOVL 0(DI), AX
	VBROADCASTSS 4(DI), Z12
	VPBROADCASTD 8(DI), Z13
	SPLIT32(0, K1, Z4)
	SPLIT32(64, K2, Z5)
	SPLIT32(128, K3, Z6)
	SPLIT32(192, K4, Z7)
	ADDQ $12, DI
	DECL CX
	JNE  qsplit32

qleaf32:
	// Leaf i is bit 31 − i: i = lzcnt.
	VPLZCNTD Z4, Z4
	VPLZCNTD Z5, Z5
	VPLZCNTD Z6, Z6
	VPLZCNTD Z7, Z7
	TESTL BX, BX
	JNE  qleaf32b

	// Up to 16 leaves: one table.
	VPERMPS 0(DI), Z4, Z14
	VPERMPS 0(DI), Z5, Z15
	VPERMPS 0(DI), Z6, Z16
	VPERMPS 0(DI), Z7, Z17
	VADDPS Z14, Z0, Z0
	VADDPS Z15, Z1, Z1
	VADDPS Z16, Z2, Z2
	VADDPS Z17, Z3, Z3
	ADDQ $64, DI
	DECQ R9
	JNE  qtree
	JMP  qdone

qleaf32b:
	// Up to 32 leaves: two tables.
	VMOVUPS 0(DI), Z18
	VPERMI2PS 64(DI), Z18, Z4
	VPERMI2PS 64(DI), Z18, Z5
	VPERMI2PS 64(DI), Z18, Z6
	VPERMI2PS 64(DI), Z18, Z7
	VADDPS Z4, Z0, Z0
	VADDPS Z5, Z1, Z1
	VADDPS Z6, Z2, Z2
	VADDPS Z7, Z3, Z3
	ADDQ $128, DI
	DECQ R9
	JNE  qtree
	JMP  qdone

q64:
	VMOVDQA64 Z20, Z4
	VMOVDQA64 Z20, Z5
	VMOVDQA64 Z20, Z6
	VMOVDQA64 Z20, Z7
	VMOVDQA64 Z20, Z8
	VMOVDQA64 Z20, Z9
	VMOVDQA64 Z20, Z10
	VMOVDQA64 Z20, Z11
	TESTL CX, CX
	JEQ  qleaf64

qsplit64:
	MOVL 0(DI), AX
	VBROADCASTSS 4(DI), Z12
	VPBROADCASTQ 8(DI), Z13
	SPLIT64(0, K1, Z4, Z8)
	SPLIT64(64, K2, Z5, Z9)
	SPLIT64(128, K3, Z6, Z10)
	SPLIT64(192, K4, Z7, Z11)
	ADDQ $16, DI
	DECL CX
	JNE  qsplit64

qleaf64:
	VMOVUPS 0(DI), Z18
	VMOVUPS 128(DI), Z19
	LEAF64(Z4, Z8, Z0)
	LEAF64(Z5, Z9, Z1)
	LEAF64(Z6, Z10, Z2)
	LEAF64(Z7, Z11, Z3)
	ADDQ $256, DI
	DECQ R9
	JNE  qtree

qdone:
	VMOVUPS Z0, 0(R8)
	VMOVUPS Z1, 64(R8)
	VMOVUPS Z2, 128(R8)
	VMOVUPS Z3, 192(R8)
	VZEROUPPER
	RET

// func hasAVX512() bool: AVX-512 F and CD, and the OS saves the ZMM and
// mask registers (XCR0 bits 1, 2, 5, 6, 7).
TEXT ·hasAVX512(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x08000000, CX // OSXSAVE
	JZ   qno
	XORL CX, CX
	XGETBV
	ANDL $0xe6, AX
	CMPL AX, $0xe6
	JNE  qno
	MOVL $7, AX
	XORL CX, CX
	CPUID
	ANDL $0x10010000, BX // AVX512F (bit 16), AVX512CD (bit 28)
	CMPL BX, $0x10010000
	JNE  qno
	MOVB $1, ret+0(FP)
	RET

qno:
	MOVB $0, ret+0(FP)
	RET
