//go:build !purego

#include "textflag.h"

// Offsets of linArgs (linear.go).
#define A_NODES 0
#define A_LN 8
#define A_SCALE 16
#define A_P 24
#define A_O 32
#define A_R 40
#define A_PHV 48
#define A_TK 56
#define A_LEFT 64
#define A_NN 72
#define A_N 80
#define A_STRIDE 88

// Node: Threshold 0, Feature 8, Left 12, Right 16 (24 bytes).
// linNode: z 0, ratio 8, zp 16, prev 24, hp 28 (32 bytes).

// DOWN computes the path polynomial of the child whose index is in R8,
// of node pn (8(SP)), whose agreement bit is in 32(SP), as linearGo's down
// pass does for one child. LBL names its loop. Clobbers AX, BX, CX, DX,
// SI, DI, R9-R14, X0-X5, Y1, Y3-Y5.
#define DOWN(LBL) \
	MOVQ 0(SP), DI \
	MOVQ A_LN(DI), R10 \
	MOVQ R8, AX \
	SHLQ $5, AX \
	ADDQ AX, R10 \
	MOVLQSX 24(R10), BX \
	MOVBQZX 28(R10), CX \
	MOVQ A_O(DI), R12 \
	MOVBQZX (R12)(BX*1), DX \
	MOVQ DX, SI \
	ANDQ 32(SP), SI \
	MOVB SI, (R12)(R8*1) \
	MOVQ DX, AX \
	XORQ $1, AX \
	ANDQ CX, AX \
	CVTSQ2SD AX, X0 \
	MOVQ A_SCALE(DI), R11 \
	MOVSD (R11)(R8*8), X5 \
	MOVSD 8(R10), X1 \
	SUBSD 0(R10), X1 \
	MULSD X0, X1 \
	ADDSD 0(R10), X1 \
	MULSD X5, X1 \
	MOVSD 8(R10), X2 \
	MULSD X0, X2 \
	CVTSQ2SD SI, X3 \
	ADDSD X2, X3 \
	MULSD X5, X3 \
	SUBSD X1, X3 \
	ANDQ DX, CX \
	IMULQ BX, CX \
	MOVQ A_N(DI), R14 \
	IMULQ R14, CX \
	MOVQ A_R(DI), R13 \
	LEAQ (R13)(CX*8), R13 \
	MOVQ A_P(DI), R11 \
	MOVQ R8, AX \
	IMULQ R14, AX \
	LEAQ (R11)(AX*8), R12 \
	MOVQ 8(SP), AX \
	IMULQ R14, AX \
	LEAQ (R11)(AX*8), R11 \
	MOVQ A_TK(DI), R9 \
	VBROADCASTSD X1, Y1 \
	VBROADCASTSD X3, Y3 \
	SHLQ $3, R14 \
	XORQ AX, AX \
LBL: \
	VMOVUPD (R9)(AX*1), Y4 \
	VMULPD Y3, Y4, Y4 \
	VADDPD Y1, Y4, Y4 \
	VMOVUPD (R11)(AX*1), Y5 \
	VMULPD Y4, Y5, Y5 \
	VMOVUPD (R13)(AX*1), Y4 \
	VMULPD Y4, Y5, Y5 \
	VMOVUPD Y5, (R12)(AX*1) \
	ADDQ $32, AX \
	CMPQ AX, R14 \
	JLT LBL

// COEF computes, for the child whose index is in R8, the scalars ac (into
// XAC) and ap (into XAP) and the addresses of the blocks vc (into RVC) and
// vp (into RVP), as linearGo's up pass does. Clobbers AX, BX, CX, DX, SI,
// DI, X6, X7.
#define COEF(XAC, XAP, RVC, RVP) \
	MOVQ 0(SP), DI \
	MOVQ A_LN(DI), SI \
	MOVQ R8, AX \
	SHLQ $5, AX \
	ADDQ AX, SI \
	MOVQ A_O(DI), DX \
	MOVBQZX (DX)(R8*1), AX \
	MOVLQSX 24(SI), BX \
	MOVBQZX (DX)(BX*1), CX \
	MOVSD $2.0, X6 \
	SUBSD 0(SI), X6 \
	CVTSQ2SD AX, XAC \
	MULSD X6, XAC \
	MOVSD $(-1.0), X7 \
	ADDSD X7, XAC \
	MOVSD $2.0, X6 \
	SUBSD 16(SI), X6 \
	CVTSQ2SD CX, XAP \
	MULSD X6, XAP \
	ADDSD X7, XAP \
	MOVBQZX 28(SI), DX \
	CVTSQ2SD DX, X6 \
	MULSD X6, XAP \
	MOVQ A_N(DI), DX \
	MOVQ A_NN(DI), SI \
	IMULQ DX, SI \
	MOVQ R8, RVC \
	IMULQ DX, RVC \
	SUBQ SI, RVC \
	IMULQ AX, RVC \
	ADDQ SI, RVC \
	MOVQ BX, RVP \
	IMULQ DX, RVP \
	SUBQ SI, RVP \
	IMULQ CX, RVP \
	ADDQ SI, RVP \
	MOVQ A_R(DI), SI \
	LEAQ (SI)(RVC*8), RVC \
	LEAQ (SI)(RVP*8), RVP

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
// Frame: 0(SP) a, 8(SP) pn, 16(SP) left child, 24(SP) right child,
// 32(SP) the agreement bit of the child being computed.
TEXT ·linearAVX2(SB), NOSPLIT, $40-8
	MOVQ a+0(FP), DI
	MOVQ DI, 0(SP)
	MOVQ $0, 8(SP)

down:
	MOVQ 0(SP), DI
	MOVQ 8(SP), AX
	CMPQ AX, A_NN(DI)
	JGE  up0
	MOVQ A_NODES(DI), R8
	LEAQ (AX)(AX*2), BX
	LEAQ (R8)(BX*8), R8
	MOVL 8(R8), BX
	TESTL BX, BX
	JS   downnext
	MOVLQSX 12(R8), CX
	MOVQ CX, 16(SP)
	MOVLQSX 16(R8), CX
	MOVQ CX, 24(SP)
	MOVQ A_LEFT(DI), DX
	MOVBQZX (DX)(AX*1), CX
	MOVQ CX, 32(SP)
	MOVQ 16(SP), R8
	DOWN(downl)
	XORQ $1, 32(SP)
	MOVQ 24(SP), R8
	DOWN(downr)
downnext:
	INCQ 8(SP)
	JMP  down

up0:
	MOVQ 0(SP), DI
	MOVQ A_NN(DI), AX
	DECQ AX
	MOVQ AX, 8(SP)

up:
	MOVQ 8(SP), AX
	TESTQ AX, AX
	JS   done
	MOVQ 0(SP), DI
	MOVQ A_NODES(DI), R8
	LEAQ (AX)(AX*2), BX
	LEAQ (R8)(BX*8), R8
	MOVL 8(R8), BX
	TESTL BX, BX
	JS   upnext
	MOVLQSX 12(R8), CX
	MOVQ CX, 16(SP)
	MOVLQSX 16(R8), CX
	MOVQ CX, 24(SP)
	MOVQ 16(SP), R8
	COEF(X0, X1, R10, R11)
	MOVQ 24(SP), R8
	COEF(X2, X3, R12, R13)
	VBROADCASTSD X0, Y0
	VBROADCASTSD X1, Y1
	VBROADCASTSD X2, Y2
	VBROADCASTSD X3, Y3
	MOVQ 0(SP), DI
	MOVQ A_N(DI), CX
	MOVQ A_P(DI), SI
	MOVQ 16(SP), AX
	IMULQ CX, AX
	LEAQ (SI)(AX*8), R8
	MOVQ 24(SP), AX
	IMULQ CX, AX
	LEAQ (SI)(AX*8), R9
	MOVQ 8(SP), AX
	IMULQ CX, AX
	LEAQ (SI)(AX*8), SI
	MOVQ A_NODES(DI), DX
	MOVQ 8(SP), AX
	LEAQ (AX)(AX*2), BX
	MOVLQSX 8(DX)(BX*8), AX
	IMULQ A_STRIDE(DI), AX
	MOVQ A_PHV(DI), DX
	LEAQ (DX)(AX*8), R14
	SHLQ $3, CX
	XORQ AX, AX

uploop:
	// u = ac·vc − ap·vp and w likewise for the right child; then
	// ph += a·u + b·w and pp = a + b.
	VMULPD (R10)(AX*1), Y0, Y4
	VMULPD (R11)(AX*1), Y1, Y5
	VSUBPD Y5, Y4, Y4
	VMULPD (R12)(AX*1), Y2, Y6
	VMULPD (R13)(AX*1), Y3, Y7
	VSUBPD Y7, Y6, Y6
	VMOVUPD (R8)(AX*1), Y8
	VMOVUPD (R9)(AX*1), Y9
	VMULPD Y8, Y4, Y4
	VMULPD Y9, Y6, Y6
	VADDPD Y6, Y4, Y4
	VADDPD (R14)(AX*1), Y4, Y4
	VMOVUPD Y4, (R14)(AX*1)
	VADDPD Y9, Y8, Y8
	VMOVUPD Y8, (SI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, CX
	JLT  uploop

upnext:
	DECQ 8(SP)
	JMP  up

done:
	VZEROUPPER
	RET
