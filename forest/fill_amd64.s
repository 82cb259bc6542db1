//go:build !purego

#include "textflag.h"

DATA sign<>+0(SB)/8, $0x8000000000000000
DATA sign<>+8(SB)/8, $0x8000000000000000
GLOBL sign<>(SB), RODATA|NOPTR, $16

// func keys2(dst *uint64, src *float64, pairs, stride int) (nan bool)
//
// For j < 2·pairs: dst[j·stride] = tree.OrderKey(src[j]), the bits of
// src[j] + 0 with every bit flipped for a negative value and the sign bit
// for a positive one. It reports whether some src[j] is NaN (CMPPD's
// unordered predicate). SSE2 only, which every amd64 CPU has.
TEXT ·keys2(SB), NOSPLIT, $0-33
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   pairs+16(FP), CX
	MOVQ   stride+24(FP), R8
	SHLQ   $3, R8          // bytes between two keys
	LEAQ   (R8)(R8*1), R9  // bytes between two pairs
	XORPD  X7, X7
	MOVOU  sign<>(SB), X6
	PXOR   X8, X8
	TESTQ  CX, CX
	JZ     done

loop:
	MOVUPD (SI), X0
	MOVOU  X0, X2
	CMPPD  X2, X2, $3      // all ones for a NaN
	POR    X2, X8
	ADDPD  X7, X0          // −0 + 0 = +0
	MOVOU  X0, X1
	PSRAL  $31, X1
	PSHUFD $0xf5, X1, X1   // each quadword: all ones when negative
	POR    X6, X1
	PXOR   X1, X0
	MOVQ   X0, (DI)
	MOVHPD X0, (DI)(R8*1)
	ADDQ   $16, SI
	ADDQ   R9, DI
	DECQ   CX
	JNZ    loop

done:
	PMOVMSKB X8, AX
	TESTL  AX, AX
	SETNE  nan+32(FP)
	RET
