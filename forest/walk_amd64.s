//go:build !purego

#include "textflag.h"

// LANE advances one walk by one node. P holds the address of the walk's
// node; R10 + 8×LANE is the address of its row's key of feature 0 in the
// group (keys[feature][lane], so the node's foff is the byte offset of its
// feature's keys). CF = node key < row key (the row goes right), and the
// walk moves by 16 × (rel + CF) bytes: to the left child (rel), the right
// one (rel + 1), or nowhere at a leaf (rel = 0 and a key no row exceeds).
// The move is ORed into R11, which stays zero over a round only when every
// walk stood still.
#define LANE(P, LANE) \
	MOVL    8(P), R12; \
	MOVQ    (LANE*8)(R10)(R12*1), R12; \
	MOVLQSX 12(P), R13; \
	CMPQ    0(P), R12; \
	ADCQ    $0, R13; \
	SHLQ    $4, R13; \
	ORQ     R13, R11; \
	ADDQ    R13, P

// func walkRows8(root *knode, keys *[lanes]uint64, leaves *[lanes]uintptr)
TEXT ·walkRows8(SB), NOSPLIT, $0-24
	MOVQ root+0(FP), AX
	MOVQ keys+8(FP), R10
	MOVQ AX, BX
	MOVQ AX, CX
	MOVQ AX, DX
	MOVQ AX, SI
	MOVQ AX, DI
	MOVQ AX, R8
	MOVQ AX, R9

loop:
	XORL R11, R11
	LANE(AX, 0)
	LANE(BX, 1)
	LANE(CX, 2)
	LANE(DX, 3)
	LANE(SI, 4)
	LANE(DI, 5)
	LANE(R8, 6)
	LANE(R9, 7)
	TESTQ R11, R11
	JNZ   loop

	MOVQ leaves+16(FP), R10
	MOVQ AX, 0(R10)
	MOVQ BX, 8(R10)
	MOVQ CX, 16(R10)
	MOVQ DX, 24(R10)
	MOVQ SI, 32(R10)
	MOVQ DI, 40(R10)
	MOVQ R8, 48(R10)
	MOVQ R9, 56(R10)
	RET

