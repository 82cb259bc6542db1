//go:build !purego

#include "textflag.h"

// Offsets of linArgs (linear.go).
#define A_REC 0
#define A_NREC 8
#define A_ROW 16
#define A_LEFT 24
#define A_SCALE 32
#define A_P 40
#define A_O 48
#define A_R 56
#define A_PHV 64
#define A_TK 72
#define A_N 80
#define A_STRIDE 88
#define A_IOM 96

// linRec: thr 0, feat 8, pn 12, dl 16, cat 17, edges at 24 and 64 (104
// bytes). linEdge: c 0, prev 4, hp 8, z 16, ratio 24, zp 32.
#define RECSIZE 104
#define EDGE_L 24
#define EDGE_R 64

// Frame of linearAVX2: 0(SP) x's direction at the node (1 left), 8(SP) the
// end (down) or the start (up) of the records, 16(SP) and 24(SP) the left
// child's table and polynomial blocks, 32(SP) the byte offset of the
// 1/(1 − t) block.

// DOWNEDGE computes the scalars a (into XA) and b (into XB) of the factor
// a + b·t of the edge at OFF(R8), whose direction bit is in G, sets o of
// its child, and leaves the byte offset of the child's polynomial block in
// BX and that of its table block (ones or 1/f of the earlier edge of the
// feature) in BP, as linearGo's down pass does. Clobbers AX, CX, DX, R9,
// X2-X6.
#define DOWNEDGE(OFF, G, XA, XB) \
	MOVLQSX OFF+0(R8), BX \
	MOVLQSX OFF+4(R8), AX \
	MOVBLZX (R11)(AX*1), CX \
	MOVL G, DX \
	ANDL CX, DX \
	MOVB DX, (R11)(BX*1) \
	MOVL OFF+8(R8), R9 \
	MOVL CX, BP \
	ANDL R9, BP \
	IMULQ AX, BP \
	IMULQ R14, BP \
	XORL $1, CX \
	ANDL R9, CX \
	CVTSL2SD CX, X2 \
	CVTSL2SD DX, X3 \
	MOVSD (R13)(BX*8), X4 \
	MOVSD OFF+24(R8), XB \
	MOVSD XB, XA \
	SUBSD OFF+16(R8), XA \
	MULSD X2, XA \
	ADDSD OFF+16(R8), XA \
	MULSD X4, XA \
	MULSD X2, XB \
	ADDSD X3, XB \
	MULSD X4, XB \
	SUBSD XA, XB \
	IMULQ R14, BX

// UPEDGE computes the scalars ac (into XC) and ap (into XP) of the edge at
// OFF(R8), and leaves the byte offsets of its child's sum block in BX, of
// the block of 1/f_c or 1/(1 − t) in R9 and of the block of 1/f_prev or
// 1/(1 − t) in BP, as linearGo's up pass does. Clobbers AX, CX, DX, X0-X1.
#define UPEDGE(OFF, XC, XP) \
	MOVLQSX OFF+0(R8), BX \
	MOVLQSX OFF+4(R8), AX \
	MOVBLZX (R11)(BX*1), CX \
	MOVBLZX (R11)(AX*1), DX \
	MOVSD $2.0, XC \
	SUBSD OFF+16(R8), XC \
	CVTSL2SD CX, X0 \
	MULSD X0, XC \
	MOVSD $(-1.0), X1 \
	ADDSD X1, XC \
	MOVSD $2.0, XP \
	SUBSD OFF+32(R8), XP \
	CVTSL2SD DX, X0 \
	MULSD X0, XP \
	ADDSD X1, XP \
	CVTSL2SD OFF+8(R8), X0 \
	MULSD X0, XP \
	IMULQ R14, BX \
	IMULQ R14, AX \
	MOVQ 32(SP), R9 \
	MOVQ R9, BP \
	TESTL CX, CX \
	CMOVQNE BX, R9 \
	TESTL DX, DX \
	CMOVQNE AX, BP

// func hasAVX2() bool
TEXT ·hasAVX2(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, BX
	ANDL $0x18000000, BX // OSXSAVE and AVX
	CMPL BX, $0x18000000
	JNE  no
	XORL CX, CX
	XGETBV
	ANDL $6, AX // XMM and YMM state enabled
	CMPL AX, $6
	JNE  no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	ANDL $0x20, BX // AVX2
	JZ   no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET

// func linearAVX2(a *linArgs)
TEXT ·linearAVX2(SB), $40-8
	MOVQ a+0(FP), DI
	MOVQ A_REC(DI), R8
	MOVQ A_NREC(DI), AX
	IMULQ $RECSIZE, AX
	ADDQ R8, AX
	MOVQ AX, 8(SP)
	MOVQ A_ROW(DI), SI
	MOVQ A_P(DI), R10
	MOVQ A_O(DI), R11
	MOVQ A_R(DI), R12
	MOVQ A_SCALE(DI), R13
	MOVQ A_N(DI), R14
	SHLQ $3, R14
	MOVQ A_IOM(DI), AX
	SHLQ $3, AX
	MOVQ AX, 32(SP)

down:
	// x's direction: thr > v, or NaN and the default is left; a
	// categorical node's comes from a.left.
	MOVLQSX 8(R8), AX
	MOVSD (SI)(AX*8), X0
	MOVSD 0(R8), X1
	XORL BX, BX
	XORL CX, CX
	UCOMISD X0, X1
	SETHI BX
	UCOMISD X0, X0
	SETPS CX
	MOVBLZX 16(R8), DX
	ANDL DX, CX
	ORL CX, BX
	MOVBLZX 17(R8), DX
	TESTL DX, DX
	JZ numeric
	MOVQ a+0(FP), DI
	MOVQ A_LEFT(DI), DX
	MOVLQSX 12(R8), CX
	MOVBLZX (DX)(CX*1), BX
numeric:
	MOVQ BX, 0(SP)
	DOWNEDGE(EDGE_L, 0(SP), X8, X9)
	LEAQ (R12)(BP*1), BP
	MOVQ BP, 16(SP)
	LEAQ (R10)(BX*1), BX
	MOVQ BX, 24(SP)
	XORQ $1, 0(SP)
	DOWNEDGE(EDGE_R, 0(SP), X10, X11)
	LEAQ (R12)(BP*1), BP
	LEAQ (R10)(BX*1), BX
	VBROADCASTSD X8, Y8
	VBROADCASTSD X9, Y9
	VBROADCASTSD X10, Y10
	VBROADCASTSD X11, Y11
	MOVQ 16(SP), CX
	MOVQ 24(SP), DX
	MOVLQSX 12(R8), R9
	IMULQ R14, R9
	ADDQ R10, R9
	MOVQ a+0(FP), DI
	MOVQ A_TK(DI), DI
	XORQ AX, AX

downloop:
	// P(c) = P(pn)·(a + b·t)·V for both children.
	VMOVUPD (DI)(AX*1), Y0
	VMOVUPD (R9)(AX*1), Y1
	VMULPD Y0, Y9, Y2
	VADDPD Y8, Y2, Y2
	VMULPD Y2, Y1, Y2
	VMULPD (CX)(AX*1), Y2, Y2
	VMOVUPD Y2, (DX)(AX*1)
	VMULPD Y0, Y11, Y3
	VADDPD Y10, Y3, Y3
	VMULPD Y3, Y1, Y3
	VMULPD (BP)(AX*1), Y3, Y3
	VMOVUPD Y3, (BX)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R14
	JLT downloop

	ADDQ $RECSIZE, R8
	CMPQ R8, 8(SP)
	JLT down

	// Up, from the last record to the first.
	MOVQ a+0(FP), DI
	MOVQ A_REC(DI), AX
	MOVQ AX, 8(SP)

up:
	SUBQ $RECSIZE, R8
	UPEDGE(EDGE_L, X8, X9)
	LEAQ (R10)(BX*1), SI
	LEAQ (R12)(R9*1), R13
	LEAQ (R12)(BP*1), DI
	UPEDGE(EDGE_R, X10, X11)
	LEAQ (R10)(BX*1), BX
	LEAQ (R12)(R9*1), R9
	LEAQ (R12)(BP*1), BP
	VBROADCASTSD X8, Y8
	VBROADCASTSD X9, Y9
	VBROADCASTSD X10, Y10
	VBROADCASTSD X11, Y11
	MOVLQSX 12(R8), CX
	IMULQ R14, CX
	ADDQ R10, CX
	MOVQ a+0(FP), DX
	MOVLQSX 8(R8), AX
	IMULQ A_STRIDE(DX), AX
	MOVQ A_PHV(DX), DX
	LEAQ (DX)(AX*8), DX
	XORQ AX, AX

uploop:
	// u = ac·vc − ap·vp and w likewise for the right child; then
	// ph += a·u + b·w and pp = a + b.
	VMOVUPD (SI)(AX*1), Y0
	VMOVUPD (BX)(AX*1), Y1
	VMULPD (R13)(AX*1), Y8, Y2
	VMULPD (DI)(AX*1), Y9, Y5
	VSUBPD Y5, Y2, Y2
	VMULPD (R9)(AX*1), Y10, Y3
	VMULPD (BP)(AX*1), Y11, Y5
	VSUBPD Y5, Y3, Y3
	VMULPD Y2, Y0, Y2
	VMULPD Y3, Y1, Y3
	VADDPD Y3, Y2, Y2
	VADDPD (DX)(AX*1), Y2, Y2
	VMOVUPD Y2, (DX)(AX*1)
	VADDPD Y1, Y0, Y0
	VMOVUPD Y0, (CX)(AX*1)
	ADDQ $32, AX
	CMPQ AX, R14
	JLT uploop

	CMPQ R8, 8(SP)
	JGT up

	VZEROUPPER
	RET
