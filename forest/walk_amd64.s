//go:build !purego

#include "textflag.h"

// LANE advances one walk by one node. P holds the address of the walk's
// node; the eight-byte word at R10 + 8×LANE is the address of its row's
// keys, in which the node's foff is the byte offset of its feature's key. The walk moves rel bytes, to the left child, and 16 more
// when CF = node key < row key (the row goes right): a CMOV, so that a step's
// chain of dependent instructions is two loads, the CMP and the CMOV. A leaf
// has rel = 0 and a key no row exceeds, so its walk stands still. rel is
// ORed into R11, which stays zero over a round only when every walk stands
// on a leaf (an inner node's children follow it, so its rel is positive).
#define LANE(P, LANE) \
	MOVL    8(P), R12; \
	MOVQ    (LANE*8)(R10), R14; \
	MOVLQSX 12(P), R13; \
	MOVQ    (R14)(R12*1), R12; \
	ORQ     R13, R11; \
	CMPQ    0(P), R12; \
	LEAQ    (P)(R13*1), P; \
	LEAQ    16(P), R13; \
	CMOVQCS R13, P

// WALK8 loads the root address (argument 0) and the group's row addresses
// (argument 1), and walks the eight lanes in lock step until none moves; label L is
// the loop's. The leaves' addresses are then in AX, BX, CX, DX, SI, DI, R8
// and R9.
#define WALK8(L) \
	MOVQ root+0(FP), AX; \
	MOVQ rows+8(FP), R10; \
	MOVQ AX, BX; \
	MOVQ AX, CX; \
	MOVQ AX, DX; \
	MOVQ AX, SI; \
	MOVQ AX, DI; \
	MOVQ AX, R8; \
	MOVQ AX, R9; \
L:; \
	XORL R11, R11; \
	LANE(AX, 0); \
	LANE(BX, 1); \
	LANE(CX, 2); \
	LANE(DX, 3); \
	LANE(SI, 4); \
	LANE(DI, 5); \
	LANE(R8, 6); \
	LANE(R9, 7); \
	TESTQ R11, R11; \
	JNZ   L

// func walkRows8(root *knode, rows *[lanes]*uint64, leaves *[lanes]uintptr)
TEXT ·walkRows8(SB), NOSPLIT, $0-24
	WALK8(loop)
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

// SUM adds to the sum at 8×LANE(R10) the value of lane P's leaf, which
// sits at R11 + P/2 (sval holds a float64 for every 16-byte node).
#define SUM(P, LANE) \
	SHRQ  $1, P; \
	MOVSD (LANE*8)(R10), X0; \
	ADDSD (R11)(P*1), X0; \
	MOVSD X0, (LANE*8)(R10)

// func walkRows8Sum(root *knode, rows *[lanes]*uint64, sums *[lanes]float64, sval uintptr)
//
// walkRows8, then adds each lane's leaf value to its sum: sval is the
// address of the scorer's sval minus half that of its nodes.
TEXT ·walkRows8Sum(SB), NOSPLIT, $0-32
	WALK8(sloop)
	MOVQ sums+16(FP), R10
	MOVQ sval+24(FP), R11
	SUM(AX, 0)
	SUM(BX, 1)
	SUM(CX, 2)
	SUM(DX, 3)
	SUM(SI, 4)
	SUM(DI, 5)
	SUM(R8, 6)
	SUM(R9, 7)
	RET

// PROBA2 adds lane P's leaf's two class probabilities, at R11 + P (pair
// holds two float64 for every 16-byte node), to its pair of sums at
// 16×LANE(R10), both in one ADDPD.
#define PROBA2(P, LANE) \
	MOVUPD (R11)(P*1), X0; \
	MOVUPD (LANE*16)(R10), X1; \
	ADDPD  X0, X1; \
	MOVUPD X1, (LANE*16)(R10)

// func walkRows8Proba2(root *knode, rows *[lanes]*uint64, sums *[2 * lanes]float64, pair uintptr)
//
// walkRows8 for a two-class forest, then adds each lane's leaf distribution
// to its two sums: pair is the address of the scorer's pair minus that of
// its nodes.
TEXT ·walkRows8Proba2(SB), NOSPLIT, $0-32
	WALK8(ploop)
	MOVQ sums+16(FP), R10
	MOVQ pair+24(FP), R11
	PROBA2(AX, 0)
	PROBA2(BX, 1)
	PROBA2(CX, 2)
	PROBA2(DX, 3)
	PROBA2(SI, 4)
	PROBA2(DI, 5)
	PROBA2(R8, 6)
	PROBA2(R9, 7)
	RET
