//go:build !purego

#include "textflag.h"

// Per-quadword constants for fillKeys2: the sign bit, the low byte, the
// exponent field in the high doubleword (and a low doubleword no masked
// value equals).
DATA sign<>+0(SB)/8, $0x8000000000000000
DATA sign<>+8(SB)/8, $0x8000000000000000
GLOBL sign<>(SB), RODATA|NOPTR, $16
DATA lowbyte<>+0(SB)/8, $0xff
DATA lowbyte<>+8(SB)/8, $0xff
GLOBL lowbyte<>(SB), RODATA|NOPTR, $16
DATA expmask<>+0(SB)/8, $0x7ff0000000000000
DATA expmask<>+8(SB)/8, $0x7ff0000000000000
GLOBL expmask<>(SB), RODATA|NOPTR, $16
DATA expall<>+0(SB)/8, $0x7ff0000000000001
DATA expall<>+8(SB)/8, $0x7ff0000000000001
GLOBL expall<>(SB), RODATA|NOPTR, $16

// func fillKeys2(dst *uint64, src *float64, pairs int) (nonFinite bool)
//
// For j < 2·pairs: dst[j] = rowKey(src[j]), that is the order key of
// src[j] + 0 (tree.OrderKey: the bits, with every bit flipped for a
// negative value and the sign bit for a positive one) with the low byte
// set. It reports whether some src[j] is ±Inf or NaN (exponent all ones:
// the high doubleword masked to the exponent equals 0x7ff00000; the low
// doubleword is masked to 0 and compared with 1, never equal). SSE2 only,
// which every amd64 CPU has.
TEXT ·fillKeys2(SB), NOSPLIT, $0-25
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   pairs+16(FP), CX
	XORPD  X7, X7
	MOVOU  sign<>(SB), X6
	MOVOU  lowbyte<>(SB), X5
	MOVOU  expmask<>(SB), X4
	MOVOU  expall<>(SB), X3
	PXOR   X8, X8
	TESTQ  CX, CX
	JZ     done

loop:
	MOVUPD (SI), X0
	MOVOU  X0, X2
	ADDPD  X7, X0          // −0 + 0 = +0
	MOVOU  X0, X1
	PSRAL  $31, X1
	PSHUFD $0xf5, X1, X1   // each quadword: all ones when negative
	POR    X6, X1
	PXOR   X1, X0
	POR    X5, X0
	MOVOU  X0, (DI)
	PAND   X4, X2
	PCMPEQL X3, X2
	POR    X2, X8
	ADDQ   $16, SI
	ADDQ   $16, DI
	DECQ   CX
	JNZ    loop

done:
	PMOVMSKB X8, AX
	TESTL  AX, AX
	SETNE  nonFinite+24(FP)
	RET
