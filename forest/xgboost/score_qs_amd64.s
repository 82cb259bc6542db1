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

// func walkQS(qs *uint32, ntrees int, x *float32, acc *float32, pf *pfRange)
TEXT ·walkQS(SB), NOSPLIT, $0-40
	MOVQ qs+0(FP), DI
	MOVQ ntrees+8(FP), R9
	MOVQ x+16(FP), SI
	MOVQ acc+24(FP), R8
	MOVQ pf+32(FP), R10
	MOVQ 8(R10), R12  // end
	MOVQ 16(R10), R13 // cache lines a tree
	MOVQ 0(R10), R10  // next line
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
	// A few lines of what comes next, so that memory works while the
	// trees are scored.
	MOVQ R13, R11

qpf:
	CMPQ R10, R12
	JGE  qpfdone
	DECQ R11
	JL   qpfdone
	PREFETCHT1 (R10)
	ADDQ $64, R10
	JMP  qpf

qpfdone:
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

// LOADROW loads 8 values of row R (its pointer the R-th of rows, at SI)
// from feature BX on, those past the last feature (K7 clear) zero, and
// converts them to float32 into the low half of ZR (YR).
#define LOADROW(R, ZR, YR) \
	MOVQ (R*8)(SI), AX \
	VMOVUPD.Z (AX)(BX*8), K7, ZR \
	VCVTPD2PS ZR, YR

// OUT finishes feature F of the 8 in hand: the rows' values, picked from
// U (rows 0..3 and 8..11) and V (rows 4..7 and 12..15) by the index IDX,
// stored at R10 + 256·F; a NaN among them is marked in K6.
#define OUT(IDX, U, V, F) \
	VMOVDQA32 IDX, Z24 \
	VPERMI2PS V, U, Z24 \
	VMOVUPS Z24, (F*256)(R10) \
	VCMPPS $3, Z24, Z24, K1 \
	KORW K1, K6, K6

// func toBlock16(dst *float32, rows *unsafe.Pointer, nf int) uint16
TEXT ·toBlock16(SB), NOSPLIT, $0-26
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ nf+16(FP), CX
	VMOVDQU32 qsPickLo<>(SB), Z26
	VMOVDQU32 qsPickHi<>(SB), Z27
	KXORW K6, K6, K6
	XORL BX, BX
	MOVL $0xff, DX
	KMOVW DX, K7

tchunk:
	// The last chunk may hold fewer than 8 features.
	MOVQ CX, DX
	SUBQ BX, DX
	CMPQ DX, $8
	JGE  tfull
	MOVL $0xff, R9
	BZHIL DX, R9, R9 // the low DX bits
	KMOVW R9, K7

tfull:
	LOADROW(0, Z0, Y0)
	LOADROW(1, Z1, Y1)
	LOADROW(2, Z2, Y2)
	LOADROW(3, Z3, Y3)
	LOADROW(4, Z4, Y4)
	LOADROW(5, Z5, Y5)
	LOADROW(6, Z6, Y6)
	LOADROW(7, Z7, Y7)
	LOADROW(8, Z8, Y8)
	LOADROW(9, Z9, Y9)
	LOADROW(10, Z10, Y10)
	LOADROW(11, Z11, Y11)
	LOADROW(12, Z12, Y12)
	LOADROW(13, Z13, Y13)
	LOADROW(14, Z14, Y14)
	LOADROW(15, Z15, Y15)

	// Row r in the low half, row r + 8 in the high half: two 8 × 8
	// transposes side by side.
	VINSERTF64X4 $1, Y8, Z0, Z0
	VINSERTF64X4 $1, Y9, Z1, Z1
	VINSERTF64X4 $1, Y10, Z2, Z2
	VINSERTF64X4 $1, Y11, Z3, Z3
	VINSERTF64X4 $1, Y12, Z4, Z4
	VINSERTF64X4 $1, Y13, Z5, Z5
	VINSERTF64X4 $1, Y14, Z6, Z6
	VINSERTF64X4 $1, Y15, Z7, Z7
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	// Each 128-bit lane of Z8 + k: four rows' values of feature k (lanes
	// 0, 2) and k + 4 (lanes 1, 3); Z8..Z11 rows 0..3 and 8..11, Z12..Z15
	// rows 4..7 and 12..15.
	VSHUFPS $0x44, Z18, Z16, Z8
	VSHUFPS $0xee, Z18, Z16, Z9
	VSHUFPS $0x44, Z19, Z17, Z10
	VSHUFPS $0xee, Z19, Z17, Z11
	VSHUFPS $0x44, Z22, Z20, Z12
	VSHUFPS $0xee, Z22, Z20, Z13
	VSHUFPS $0x44, Z23, Z21, Z14
	VSHUFPS $0xee, Z23, Z21, Z15
	MOVQ BX, R10
	SHLQ $8, R10
	ADDQ DI, R10
	OUT(Z26, Z8, Z12, 0)
	OUT(Z26, Z9, Z13, 1)
	OUT(Z26, Z10, Z14, 2)
	OUT(Z26, Z11, Z15, 3)
	OUT(Z27, Z8, Z12, 4)
	OUT(Z27, Z9, Z13, 5)
	OUT(Z27, Z10, Z14, 6)
	OUT(Z27, Z11, Z15, 7)
	ADDQ $8, BX
	CMPQ BX, CX
	JLT  tchunk

	KMOVW K6, AX
	MOVW AX, ret+24(FP)
	VZEROUPPER
	RET

// The rows of feature k from U (rows 0..3 in lane 0, 8..11 in lane 2)
// and V (4..7 in lane 0, 12..15 in lane 2), in row order; qsPickHi takes
// lanes 1 and 3, feature k + 4.
DATA qsPickLo<>+0(SB)/4, $0
DATA qsPickLo<>+4(SB)/4, $1
DATA qsPickLo<>+8(SB)/4, $2
DATA qsPickLo<>+12(SB)/4, $3
DATA qsPickLo<>+16(SB)/4, $16
DATA qsPickLo<>+20(SB)/4, $17
DATA qsPickLo<>+24(SB)/4, $18
DATA qsPickLo<>+28(SB)/4, $19
DATA qsPickLo<>+32(SB)/4, $8
DATA qsPickLo<>+36(SB)/4, $9
DATA qsPickLo<>+40(SB)/4, $10
DATA qsPickLo<>+44(SB)/4, $11
DATA qsPickLo<>+48(SB)/4, $24
DATA qsPickLo<>+52(SB)/4, $25
DATA qsPickLo<>+56(SB)/4, $26
DATA qsPickLo<>+60(SB)/4, $27
GLOBL qsPickLo<>(SB), RODATA|NOPTR, $64
DATA qsPickHi<>+0(SB)/4, $4
DATA qsPickHi<>+4(SB)/4, $5
DATA qsPickHi<>+8(SB)/4, $6
DATA qsPickHi<>+12(SB)/4, $7
DATA qsPickHi<>+16(SB)/4, $20
DATA qsPickHi<>+20(SB)/4, $21
DATA qsPickHi<>+24(SB)/4, $22
DATA qsPickHi<>+28(SB)/4, $23
DATA qsPickHi<>+32(SB)/4, $12
DATA qsPickHi<>+36(SB)/4, $13
DATA qsPickHi<>+40(SB)/4, $14
DATA qsPickHi<>+44(SB)/4, $15
DATA qsPickHi<>+48(SB)/4, $28
DATA qsPickHi<>+52(SB)/4, $29
DATA qsPickHi<>+56(SB)/4, $30
DATA qsPickHi<>+60(SB)/4, $31
GLOBL qsPickHi<>(SB), RODATA|NOPTR, $64

// EXPPD sets ZT to exp(ZT) for 8 doubles, to about 2^-47 (Z4, Z5 scratch):
// k = round(t·log2 e), r = t − k·ln 2 (ln 2 in two parts, |r| ≤ ln 2 / 2),
// exp(r) by its Taylor polynomial of degree 11 (remainder below 2^-47),
// times 2^k (VSCALEFPD). t is first held above −746, where exp is 0 in
// double as below it.
#define EXPPD(ZT) \
	VMAXPD.BCST qsExp<>+136(SB), ZT, ZT \
	VMULPD.BCST qsExp<>+0(SB), ZT, Z4 \
	VRNDSCALEPD $8, Z4, Z4 \
	VFNMADD231PD.BCST qsExp<>+8(SB), Z4, ZT \
	VFNMADD231PD.BCST qsExp<>+16(SB), Z4, ZT \
	VBROADCASTSD qsExp<>+24(SB), Z5 \
	VFMADD213PD.BCST qsExp<>+32(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+40(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+48(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+56(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+64(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+72(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+80(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+88(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+96(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+104(SB), ZT, Z5 \
	VFMADD213PD.BCST qsExp<>+112(SB), ZT, Z5 \
	VSCALEFPD Z4, Z5, ZT

// EXP32 rounds the 8 doubles of exp in ZE to float32 in YE, and into Y2
// and Y3 rounds them times 1 − 2^-40 and 1 + 2^-40: where the two agree,
// every value within 2^-40 of ZE, math.Exp's among them, rounds to YE.
#define EXP32(ZE, YE) \
	VMULPD.BCST qsExp<>+120(SB), ZE, Z2 \
	VMULPD.BCST qsExp<>+128(SB), ZE, Z3 \
	VCVTPD2PS ZE, YE \
	VCVTPD2PS Z2, Y2 \
	VCVTPD2PS Z3, Y3

// func sigmoid64(acc *float32, out *float32) (slow uint64)
TEXT ·sigmoid64(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), SI
	MOVQ out+8(FP), DI
	XORQ R9, R9 // slow lanes
	XORL CX, CX // lane offset: 0, 16, 32, 48

sblock:
	VMOVUPS (SI)(CX*4), Z0
	VCMPPS $3, Z0, Z0, K1 // NaN: left to the caller
	VXORPS.BCST qsSig<>+0(SB), Z0, Z1
	VMINPS.BCST qsSig<>+4(SB), Z1, Z1 // min(−x, 88.7)
	VEXTRACTF64X4 $1, Z1, Y7
	VCVTPS2PD Y1, Z8
	VCVTPS2PD Y7, Z9
	EXPPD(Z8)
	EXPPD(Z9)
	EXP32(Z8, Y8)
	VMOVAPS Z2, Z10
	VMOVAPS Z3, Z11
	EXP32(Z9, Y9)
	VINSERTF64X4 $1, Y9, Z8, Z8
	VINSERTF64X4 $1, Y2, Z10, Z10
	VINSERTF64X4 $1, Y3, Z11, Z11
	VCMPPS $4, Z11, Z10, K2 // the bounds round apart: too close to call
	KORW K1, K2, K1
	// 1 / (e + 1) in float32, as sigmoid.
	VBROADCASTSS qsSig<>+8(SB), Z12
	VADDPS Z12, Z8, Z8
	VDIVPS Z8, Z12, Z8
	VMOVUPS Z8, (DI)(CX*4)
	KMOVW K1, AX
	SHLQ CX, AX
	ORQ  AX, R9
	ADDQ $16, CX
	CMPQ CX, $64
	JLT  sblock

	MOVQ R9, slow+16(FP)
	VZEROUPPER
	RET

DATA qsExp<>+0(SB)/8, $1.4426950408889634     // log2 e
DATA qsExp<>+8(SB)/8, $0.6931471805599453     // ln 2, high part
DATA qsExp<>+16(SB)/8, $2.3190468138462996e-17 // ln 2, low part
DATA qsExp<>+24(SB)/8, $2.505210838544172e-08  // 1/11!
DATA qsExp<>+32(SB)/8, $2.755731922398589e-07  // 1/10!
DATA qsExp<>+40(SB)/8, $2.7557319223985893e-06 // 1/9!
DATA qsExp<>+48(SB)/8, $2.48015873015873e-05   // 1/8!
DATA qsExp<>+56(SB)/8, $0.0001984126984126984  // 1/7!
DATA qsExp<>+64(SB)/8, $0.001388888888888889   // 1/6!
DATA qsExp<>+72(SB)/8, $0.008333333333333333   // 1/5!
DATA qsExp<>+80(SB)/8, $0.041666666666666664   // 1/4!
DATA qsExp<>+88(SB)/8, $0.16666666666666666    // 1/3!
DATA qsExp<>+96(SB)/8, $0.5                    // 1/2!
DATA qsExp<>+104(SB)/8, $1.0                   // 1/1!
DATA qsExp<>+112(SB)/8, $1.0                   // 1/0!
DATA qsExp<>+120(SB)/8, $0.9999999999990905    // 1 − 2^-40
DATA qsExp<>+128(SB)/8, $1.0000000000009095    // 1 + 2^-40
DATA qsExp<>+136(SB)/8, $-746.0
GLOBL qsExp<>(SB), RODATA|NOPTR, $144
DATA qsSig<>+0(SB)/4, $0x80000000 // float32 sign
DATA qsSig<>+4(SB)/4, $0x42b16666 // float32(88.7)
DATA qsSig<>+8(SB)/4, $0x3f800000 // float32(1)
GLOBL qsSig<>(SB), RODATA|NOPTR, $12

