//go:build !purego

#include "textflag.h"

// STEP takes one level for the walk whose heap index is in I, on the row
// at byte offset OFF of the block (SI): right (2i+2) when the row's value
// of the node's feature is not below its float32 condition, else left
// (2i+1). lnode: thr at 0, feat at 4, 8 bytes; features 256 bytes apart
// (levelBlock·4).
#define STEP(I, OFF) \
	MOVL 4(AX)(I*8), R13 \
	SHLQ $8, R13 \
	MOVSS OFF(SI)(R13*1), X0 \
	XORL R14, R14 \
	UCOMISS (AX)(I*8), X0 \
	SETCC R14B \
	LEAQ 1(I)(I*1), I \
	ADDQ R14, I

// ADDLEAF adds the leaf value at heap index I (R13 points off slots before
// the leaves) to the float32 at OFF(AX).
#define ADDLEAF(I, OFF) \
	MOVSS OFF(AX), X0 \
	ADDSS (R13)(I*4), X0 \
	MOVSS X0, OFF(AX)

// func walkCols8(nodes *lnode, x *float32, depth int, leaves *float32, off uintptr, acc *float32)
TEXT ·walkCols8(SB), NOSPLIT, $0-48
	MOVQ nodes+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ depth+16(FP), CX
	XORL BX, BX
	XORL DX, DX
	XORL DI, DI
	XORL R8, R8
	XORL R9, R9
	XORL R10, R10
	XORL R11, R11
	XORL R12, R12
	TESTQ CX, CX
	JEQ  done

loop:
	STEP(BX, 0)
	STEP(DX, 4)
	STEP(DI, 8)
	STEP(R8, 12)
	STEP(R9, 16)
	STEP(R10, 20)
	STEP(R11, 24)
	STEP(R12, 28)
	DECQ CX
	JNE  loop

done:
	// acc[k] += leaves[i_k − off], in float32 as the Go walk adds.
	MOVQ leaves+24(FP), R13
	MOVQ off+32(FP), R14
	SHLQ $2, R14
	SUBQ R14, R13
	MOVQ acc+40(FP), AX
	ADDLEAF(BX, 0)
	ADDLEAF(DX, 4)
	ADDLEAF(DI, 8)
	ADDLEAF(R8, 12)
	ADDLEAF(R9, 16)
	ADDLEAF(R10, 20)
	ADDLEAF(R11, 24)
	ADDLEAF(R12, 28)
	RET

// RSTEP takes one level for the walk of tree k of a group of eight
// interleaved trees (slot i of tree k at 8i + k, 8-byte lnodes, base AX),
// whose index is in I as 8i: the node is at AX + 64i + 8k = THR(AX)(I*8),
// its feature 4 bytes on (FEAT = 8k + 4); the row (SI) is float32, one
// value a feature. Right when x ≥ c (UCOMISS: carry clear), 8(2i+2), else
// 8(2i+1).
#define RSTEP(I, THR, FEAT) \
	MOVL FEAT(AX)(I*8), R13 \
	MOVSS (SI)(R13*4), X0 \
	XORL R14, R14 \
	UCOMISS THR(AX)(I*8), X0 \
	SETCC R14B \
	LEAQ 8(I)(I*1), I \
	LEAQ (I)(R14*8), I

// func walkRow8(nodes *lnode, x *float32, depth, groups int, leaves *float32, a float32) float32
TEXT ·walkRow8(SB), NOSPLIT, $0-52
	MOVQ nodes+0(FP), AX
	MOVQ x+8(FP), SI
	MOVQ leaves+32(FP), R15
	MOVSS a+40(FP), X1
	MOVQ groups+24(FP), CX
	TESTQ CX, CX
	JEQ  rdone
	MOVQ depth+16(FP), CX
	TESTQ CX, CX
	JEQ  rdone

rgroup:
	XORL BX, BX
	XORL DX, DX
	XORL DI, DI
	XORL R8, R8
	XORL R9, R9
	XORL R10, R10
	XORL R11, R11
	XORL R12, R12
	MOVQ depth+16(FP), CX

rlevel:
	RSTEP(BX, 0, 4)
	RSTEP(DX, 8, 12)
	RSTEP(DI, 16, 20)
	RSTEP(R8, 24, 28)
	RSTEP(R9, 32, 36)
	RSTEP(R10, 40, 44)
	RSTEP(R11, 48, 52)
	RSTEP(R12, 56, 60)
	DECQ CX
	JNE  rlevel

	// The indices are 8i with i ≥ 2^depth − 1 (the heap index of the
	// first leaf); leaf j = i − (2^depth − 1) of tree k is at
	// R15 + 32j + 4k = R13 + 4·(8i) + 4k with R13 = R15 − 32·(2^depth − 1).
	MOVQ depth+16(FP), CX
	MOVL $1, R14
	SHLQ CX, R14     // 2^depth leaves a tree
	DECQ R14         // 2^depth − 1 nodes a tree
	MOVQ R14, R13
	SHLQ $5, R13
	NEGQ R13
	ADDQ R15, R13
	ADDSS 0(R13)(BX*4), X1
	ADDSS 4(R13)(DX*4), X1
	ADDSS 8(R13)(DI*4), X1
	ADDSS 12(R13)(R8*4), X1
	ADDSS 16(R13)(R9*4), X1
	ADDSS 20(R13)(R10*4), X1
	ADDSS 24(R13)(R11*4), X1
	ADDSS 28(R13)(R12*4), X1

	// Next group: 8·(2^depth − 1) nodes of 8 bytes, 8·2^depth leaves of 4.
	SHLQ $6, R14
	ADDQ R14, AX
	ADDQ $32, R15 // 8·2^depth leaves of 4 bytes: 32 + 32·(2^depth − 1)
	SHRQ $1, R14
	ADDQ R14, R15
	DECQ groups+24(FP)
	JNE  rgroup

rdone:
	MOVSS X1, ret+48(FP)
	RET

// func toFloat32s(dst *float32, x *float64, n int) (nan bool)
TEXT ·toFloat32s(SB), NOSPLIT, $0-25
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORPS X2, X2 // all ones in a lane once a NaN was seen there
	XORL BX, BX  // 1 when the odd last value is NaN
	CMPQ CX, $2
	JLT  ctail

cpair:
	MOVUPD (SI), X0
	MOVAPD X0, X1
	CMPPD X1, X1, $3 // unordered with itself: NaN
	ORPD X1, X2
	CVTPD2PS X0, X0  // round to nearest even, as Go's float32(v)
	MOVQ X0, (DI)
	ADDQ $16, SI
	ADDQ $8, DI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  cpair

ctail:
	TESTQ CX, CX
	JEQ  cdone
	MOVSD (SI), X0
	UCOMISD X0, X0
	SETPS BL
	CVTSD2SS X0, X0
	MOVSS X0, (DI)

cdone:
	MOVMSKPD X2, AX
	TESTL AX, AX
	SETNE AL
	ORB  BL, AL
	MOVB AL, nan+24(FP)
	RET
