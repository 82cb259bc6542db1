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
