//go:build !purego

#include "textflag.h"

// Offsets of linArgs (linear.go).
#define A_REC 0
#define A_NREC 8
#define A_ROW 16
#define A_LEFT 24
#define A_FAC 32
#define A_P 40
#define A_O 48
#define A_PHV 56
#define A_TK 64
#define A_N 72
#define A_ST 80
#define A_NN 88
#define A_DOWN 120
#define A_SEGS 128
#define A_NSEG 136
#define A_USEGS 152
#define A_NUSEG 160
#define A_R 168

// Offsets of linDown (D_) and linRec (U_) (linear.go; TestLinearLayout
// checks them).
#define D_THR 0
#define D_FEAT 8
#define D_NDL 12
#define D_CAT 13
#define D_PN 16
#define D_PREV 20
#define D_CL 24
#define D_CR 28
#define D_Z 32
#define DOWNSIZE 48
#define U_OCL 0
#define U_OCR 4
#define U_FOFF 8
#define U_OPN 12
#define U_PN 16
#define U_OPRV 20
#define U_AC 32
#define RECSIZE 64

// A record's entry in the factor table: per state, a and b of the left
// edge, then of the right one (linFactors doubles).
#define FACSIZE 96

// The entry of a node without an earlier split of its feature, which
// leaves out state linNone (linFactors1 doubles).
#define FACSIZE1 64

// ROUTE leaves x's direction at the record at R8 in BX (1 for left): v <
// thr, or NaN and NaN goes left (UCOMISD sets CF and PF when v is NaN); a
// categorical node's decision is read at CAT, which jumps back to ROUTED.
#define ROUTE(CAT, ROUTED) \
	XORL BX, BX \
	XORL CX, CX \
	MOVLQSX D_FEAT(R8), AX \
	MOVSD (SI)(AX*8), X0 \
	UCOMISD D_THR(R8), X0 \
	SETCS BX \
	SETPS CX \
	ANDB D_NDL(R8), CX \
	XORL CX, BX \
	CMPB D_CAT(R8), $0 \
	JNE CAT \
ROUTED:

// DOWNNODE routes x at the down record at R8, sets o of both children
// and the node's state, and leaves in BP the reciprocals V: prev's when x
// agreed with prev's split, else the ones of the root; DOWNTAIL or
// DOWNTAILT follows.
#define DOWNNODE(CAT, ROUTED) \
	ROUTE(CAT, ROUTED) \
	MOVLQSX D_PREV(R8), AX \
	MOVBLZX (R11)(AX*1), CX \
	IMULQ R14, AX \
	MOVQ CX, BP \
	NEGQ BP \
	ANDQ AX, BP \
	ADDQ R12, BP \
	MOVL BX, DX \
	ANDL CX, DX \
	XORL DX, CX \
	MOVLQSX D_CL(R8), AX \
	MOVB DX, (R11)(AX*1) \
	MOVLQSX D_CR(R8), DI \
	MOVB CX, (R11)(DI*1) \
	LEAL (DX)(CX*2), DX \
	MOVLQSX D_PN(R8), CX \
	MOVB DX, (R15)(CX*1) \
	XORL $1, BX

// DOWNNODE1 is DOWNNODE for a node whose feature no ancestor split: o_prev
// is o(0) = 1, so o_l = g, o_r = 1 − g and the state is 2 − g, whose
// index in the factor entry (which has no state linNone) is 1 − g; it
// leaves no V, which is ones.
#define DOWNNODE1(CAT, ROUTED) \
	ROUTE(CAT, ROUTED) \
	MOVLQSX D_CL(R8), AX \
	MOVB BX, (R11)(AX*1) \
	XORL $1, BX \
	MOVLQSX D_CR(R8), DI \
	MOVB BX, (R11)(DI*1) \
	LEAL 1(BX), DX \
	MOVLQSX D_PN(R8), CX \
	MOVB DX, (R15)(CX*1) \
	MOVL BX, DX

// DOWNTAIL broadcasts z and 1 − z of the child x goes to (BX = 1 − g: 0
// for the left one) into Y6 and Y7 and the factor scalars a_l, b_l, a_r,
// b_r of the entry's state in DX (its index among the entry's states)
// into Y8-Y11, and turns the node indices in CX, AX and DI into block
// addresses and the child's into the address of its reciprocals in DX.
// BX is 0 on exit.
#define DOWNTAIL \
	VBROADCASTSD D_Z(R8)(BX*8), Y6 \
	SHLL $5, DX \
	VBROADCASTSD 0(R13)(DX*1), Y8 \
	VBROADCASTSD 8(R13)(DX*1), Y9 \
	VBROADCASTSD 16(R13)(DX*1), Y10 \
	VBROADCASTSD 24(R13)(DX*1), Y11 \
	IMULQ R14, AX \
	IMULQ R14, DI \
	MOVQ AX, DX \
	TESTL BX, BX \
	CMOVQNE DI, DX \
	ADDQ R12, DX \
	ADDQ R10, AX \
	ADDQ R10, DI \
	IMULQ R14, CX \
	ADDQ R10, CX \
	VSUBPD Y6, Y15, Y7 \
	XORL BX, BX

// DOWNTAILT is DOWNTAIL with a table of reciprocals: no z, no DX.
#define DOWNTAILT \
	SHLL $5, DX \
	VBROADCASTSD 0(R13)(DX*1), Y8 \
	VBROADCASTSD 8(R13)(DX*1), Y9 \
	VBROADCASTSD 16(R13)(DX*1), Y10 \
	VBROADCASTSD 24(R13)(DX*1), Y11 \
	IMULQ R14, AX \
	ADDQ R10, AX \
	IMULQ R14, DI \
	ADDQ R10, DI \
	IMULQ R14, CX \
	ADDQ R10, CX \
	XORL BX, BX

// RECIP computes four reciprocals 1 / (z + t·(1 − z)) of the child x goes
// to at byte OFF+BX of its block, with their t_k in T.
#define RECIP(OFF, T) \
	VMULPD T, Y7, Y5 \
	VADDPD Y6, Y5, Y5 \
	VDIVPD Y5, Y15, Y5 \
	VMOVUPD Y5, OFF(DX)(BX*1)

// DOWNSTEPT computes four points at byte OFF+BX of the blocks, with their
// t_k in T: the reciprocals, and P(c) = P(pn)·(a + b·t)·V for both
// children.
#define DOWNSTEPT(OFF, T) \
	RECIP(OFF, T) \
	DOWNSTEPTV(OFF, T)

// DOWNSTEPTV is DOWNSTEPT without the reciprocals (read from a table).
#define DOWNSTEPTV(OFF, T) \
	VMOVUPD OFF(CX)(BX*1), Y1 \
	VMOVUPD OFF(BP)(BX*1), Y4 \
	VMULPD T, Y9, Y2 \
	VADDPD Y8, Y2, Y2 \
	VMULPD Y2, Y1, Y2 \
	VMULPD Y4, Y2, Y2 \
	VMOVUPD Y2, OFF(AX)(BX*1) \
	VMULPD T, Y11, Y3 \
	VADDPD Y10, Y3, Y3 \
	VMULPD Y3, Y1, Y3 \
	VMULPD Y4, Y3, Y3 \
	VMOVUPD Y3, OFF(DI)(BX*1)

// DOWNSTEP1T is DOWNSTEPT without V (ones: multiplying by it is exact).
#define DOWNSTEP1T(OFF, T) \
	RECIP(OFF, T) \
	DOWNSTEP1TV(OFF, T)

// DOWNSTEP1TV is DOWNSTEP1T without the reciprocals.
#define DOWNSTEP1TV(OFF, T) \
	VMOVUPD OFF(CX)(BX*1), Y1 \
	VMULPD T, Y9, Y2 \
	VADDPD Y8, Y2, Y2 \
	VMULPD Y2, Y1, Y2 \
	VMOVUPD Y2, OFF(AX)(BX*1) \
	VMULPD T, Y11, Y3 \
	VADDPD Y10, Y3, Y3 \
	VMULPD Y3, Y1, Y3 \
	VMOVUPD Y3, OFF(DI)(BX*1)

// DOWNNEXT moves to the next down record (FSIZE the factor entry's size), and back to LOOP while there is
// one in the group, else to SEG for the next group.
#define DOWNNEXT(LOOP, SEG, FSIZE) \
	ADDQ $DOWNSIZE, R8 \
	ADDQ $FSIZE, R13 \
	CMPQ R8, 0(SP) \
	JLT LOOP \
	JMP SEG

// NEXTGROUP starts the next group of records (linTree.segs for the down
// pass, linTree.usegs for the up pass; records of SIZE bytes): 0(SP)
// becomes its end, 32(SP) its kind (0: no earlier split of the feature,
// at ONE; 1: at TWO); after the last group it goes to DONE. 8(SP) is the
// next entry of the group ends, 16(SP) their end, 24(SP) the first
// record.
#define NEXTGROUP(SEG, ONE, TWO, DONE, SIZE) \
SEG: \
	MOVQ 8(SP), AX \
	CMPQ AX, 16(SP) \
	JGE DONE \
	MOVLQSX (AX), BX \
	IMUL3Q $SIZE, BX, BX \
	ADDQ 24(SP), BX \
	MOVQ BX, 0(SP) \
	ADDQ $4, AX \
	MOVQ AX, 8(SP) \
	XORQ $1, 32(SP) \
	CMPQ R8, BX \
	JGE SEG \
	CMPQ 32(SP), $0 \
	JEQ ONE \
	JMP TWO

// CATEGORICAL reads a categorical node's decision into BX.
#define CATEGORICAL(ROUTED) \
	MOVQ a+0(FP), DI \
	MOVQ A_LEFT(DI), DX \
	MOVLQSX D_PN(R8), CX \
	MOVBLZX (DX)(CX*1), BX \
	JMP ROUTED

// UPSTART sets the up pass's registers: R8 at the first record, R15 the
// states (from the down pass); R10 the blocks (the polynomials become the
// subtree sums) and R12 their reciprocals (R10 + n·8), R11 the offset of
// R_N = 1/(1 − t) from R12, R9 the address of R_N+1 = −1/(1 − t), R13
// the per-point sums, R14 n·8; the frame for NEXTGROUP over linTree.usegs.
#define UPSTART \
	MOVQ a+0(FP), DI \
	MOVQ A_REC(DI), R8 \
	MOVQ R8, 24(SP) \
	MOVQ A_USEGS(DI), AX \
	MOVQ AX, 8(SP) \
	MOVQ A_NUSEG(DI), BX \
	LEAQ (AX)(BX*4), AX \
	MOVQ AX, 16(SP) \
	MOVQ $1, 32(SP) \
	MOVQ A_NN(DI), R11 \
	IMULQ R14, R11 \
	LEAQ (R12)(R11*1), R9 \
	ADDQ R14, R9 \
	MOVQ 40(SP), R14 \
	MOVQ A_PHV(DI), R13

// UPNODE sets, from the state s of the record at R8,
// Y8 = ac[s], Y9 = ap_s (ac[0] or ap, by 3·(s ≠ 0)), AX and BX the
// agreeing and the other child's sum blocks, CX the reciprocals va and BP
// vp, SI the node's block and DI its feature's per-point sums. DX is 0 on
// exit.
#define UPNODE \
	MOVLQSX U_PN(R8), SI \
	MOVBLZX (R15)(SI*1), DX \
	LEAL 1(DX), CX \
	SHRL $1, CX \
	LEAL (CX)(CX*2), CX \
	VBROADCASTSD U_AC(R8)(DX*8), Y8 \
	VBROADCASTSD U_AC(R8)(CX*8), Y9 \
	MOVLQSX U_OCL(R8), AX \
	MOVLQSX U_OCR(R8), BX \
	MOVLQSX U_OPRV(R8), BP \
	MOVQ AX, DI \
	CMPL DX, $2 \
	CMOVQEQ BX, AX \
	CMOVQEQ DI, BX \
	MOVQ AX, CX \
	TESTL DX, DX \
	CMOVQEQ R11, CX \
	CMOVQEQ R11, BP \
	ADDQ R10, AX \
	ADDQ R10, BX \
	ADDQ R12, CX \
	ADDQ R12, BP \
	MOVLQSX U_OPN(R8), SI \
	ADDQ R10, SI \
	MOVLQSX U_FOFF(R8), DI \
	ADDQ R13, DI \
	XORL DX, DX

// UPNODE1 is UPNODE for a node whose feature no ancestor split: its state
// is linLeft or linRight, va the agreeing child, and it leaves no Y9, BP,
// since ap = 0 (UPSTEP1N leaves out ap·r[vp], which is +0, so that u and
// w are the same bit for bit).
#define UPNODE1 \
	MOVLQSX U_PN(R8), SI \
	MOVBLZX (R15)(SI*1), DX \
	VBROADCASTSD U_AC(R8)(DX*8), Y8 \
	MOVLQSX U_OCL(R8), AX \
	MOVLQSX U_OCR(R8), BX \
	MOVQ AX, DI \
	CMPL DX, $2 \
	CMOVQEQ BX, AX \
	CMOVQEQ DI, BX \
	LEAQ (R12)(AX*1), CX \
	ADDQ R10, AX \
	ADDQ R10, BX \
	MOVLQSX U_OPN(R8), SI \
	ADDQ R10, SI \
	MOVLQSX U_FOFF(R8), DI \
	ADDQ R13, DI \
	XORL DX, DX

// UPNEXT moves to the next record, and back to LOOP while there is one in
// the group, else to SEG for the next group.
#define UPNEXT(LOOP, SEG) \
	ADDQ $RECSIZE, R8 \
	CMPQ R8, 0(SP) \
	JLT LOOP \
	JMP SEG

// UPSTEP1N is UPSTEPN for UPNODE1: u = ac·va, w = −1/(1 − t_k).
#define UPSTEP1N(OFF, NG) \
	VMOVUPD OFF(AX)(DX*1), Y0 \
	VMOVUPD OFF(BX)(DX*1), Y1 \
	VMULPD OFF(CX)(DX*1), Y8, Y3 \
	VMULPD NG, Y1, Y4 \
	VMULPD Y3, Y0, Y3 \
	VADDPD Y4, Y3, Y3 \
	VADDPD OFF(DI)(DX*1), Y3, Y3 \
	VMOVUPD Y3, OFF(DI)(DX*1) \
	VADDPD Y1, Y0, Y0 \
	VMOVUPD Y0, OFF(SI)(DX*1)

// UPSTEP1 is UPSTEP1N with −1/(1 − t_k) loaded from R9.
#define UPSTEP1(OFF) \
	VMOVUPD OFF(R9)(DX*1), Y5 \
	UPSTEP1N(OFF, Y5)

// UPSTEPN computes four points at byte OFF+DX of the blocks, with their
// −1/(1 − t_k) in NG: x = ap·vp, u = ac·va − x, w = −1/(1 − t) − x; then
// ph += sa·u + sd·w and S(pn) = sa + sd.
#define UPSTEPN(OFF, NG) \
	VMOVUPD OFF(AX)(DX*1), Y0 \
	VMOVUPD OFF(BX)(DX*1), Y1 \
	VMULPD OFF(BP)(DX*1), Y9, Y2 \
	VMULPD OFF(CX)(DX*1), Y8, Y3 \
	VSUBPD Y2, Y3, Y3 \
	VSUBPD Y2, NG, Y4 \
	VMULPD Y3, Y0, Y3 \
	VMULPD Y4, Y1, Y4 \
	VADDPD Y4, Y3, Y3 \
	VADDPD OFF(DI)(DX*1), Y3, Y3 \
	VMOVUPD Y3, OFF(DI)(DX*1) \
	VADDPD Y1, Y0, Y0 \
	VMOVUPD Y0, OFF(SI)(DX*1)

// UPSTEP is UPSTEPN with −1/(1 − t_k) loaded from R9.
#define UPSTEP(OFF) \
	VMOVUPD OFF(R9)(DX*1), Y5 \
	UPSTEPN(OFF, Y5)

// DOWN12 is the down pass for 12 points, t_k in Y12-Y14: groups from
// SEG, records of the first kind at ONE (DOWNNODE1) and of the other at
// TWO (DOWNNODE), then DONE; TAIL, STEP1 and STEP are the tail and the
// steps, with the reciprocals computed (DOWNTAIL, DOWNSTEP1T, DOWNSTEPT)
// or from a table (DOWNTAILT, DOWNSTEP1TV, DOWNSTEPTV).
#define DOWN12(SEG, ONE, TWO, DONE, CAT1, ROUTED1, CAT2, ROUTED2, TAIL, STEP1, STEP) \
	NEXTGROUP(SEG, ONE, TWO, DONE, DOWNSIZE) \
ONE: \
	DOWNNODE1(CAT1, ROUTED1) \
	TAIL \
	STEP1(0, Y12) \
	STEP1(32, Y13) \
	STEP1(64, Y14) \
	DOWNNEXT(ONE, SEG, FACSIZE1) \
TWO: \
	DOWNNODE(CAT2, ROUTED2) \
	TAIL \
	STEP(0, Y12) \
	STEP(32, Y13) \
	STEP(64, Y14) \
	DOWNNEXT(TWO, SEG, FACSIZE)

// DOWN8 is DOWN12 for 8 points, t_k in Y12 and Y13.
#define DOWN8(SEG, ONE, TWO, DONE, CAT1, ROUTED1, CAT2, ROUTED2, TAIL, STEP1, STEP) \
	NEXTGROUP(SEG, ONE, TWO, DONE, DOWNSIZE) \
ONE: \
	DOWNNODE1(CAT1, ROUTED1) \
	TAIL \
	STEP1(0, Y12) \
	STEP1(32, Y13) \
	DOWNNEXT(ONE, SEG, FACSIZE1) \
TWO: \
	DOWNNODE(CAT2, ROUTED2) \
	TAIL \
	STEP(0, Y12) \
	STEP(32, Y13) \
	DOWNNEXT(TWO, SEG, FACSIZE)

// DOWNN is DOWN12 for any multiple of 4 points, looping over them.
#define DOWNN(SEG, ONE, TWO, DONE, CAT1, ROUTED1, CAT2, ROUTED2, TAIL, STEP1, STEP, LOOP1, LOOP2) \
	NEXTGROUP(SEG, ONE, TWO, DONE, DOWNSIZE) \
ONE: \
	DOWNNODE1(CAT1, ROUTED1) \
	TAIL \
LOOP1: \
	VMOVUPD (R9)(BX*1), Y0 \
	STEP1(0, Y0) \
	ADDQ $32, BX \
	CMPQ BX, 40(SP) \
	JLT LOOP1 \
	DOWNNEXT(ONE, SEG, FACSIZE1) \
TWO: \
	DOWNNODE(CAT2, ROUTED2) \
	TAIL \
LOOP2: \
	VMOVUPD (R9)(BX*1), Y0 \
	STEP(0, Y0) \
	ADDQ $32, BX \
	CMPQ BX, 40(SP) \
	JLT LOOP2 \
	DOWNNEXT(TWO, SEG, FACSIZE)

// func linearAVX2(a *linArgs)
//
// Node c's block of 2n values is at byte offset c·2n·8, its reciprocals
// n·8 bytes further. Down pass registers: R8 the down record, R13 its
// factor entry, R15 the states, SI the row, R9 the points t_k, R10 the
// blocks, R12 their reciprocals (R10 + n·8), R11 o, R14 the block size
// 2n·8, Y15 ones; the frame as NEXTGROUP says, and 40(SP) n·8. The passes are written out for 8 and 12 points (Random Forest
// trees take 12, shallower ones 8), where the points' loop would cost a
// fifth of the instructions, and looped for the other counts.
TEXT ·linearAVX2(SB), $48-8
	MOVQ a+0(FP), DI
	MOVQ A_DOWN(DI), R8
	MOVQ R8, 24(SP)
	MOVQ A_SEGS(DI), AX
	MOVQ AX, 8(SP)
	MOVQ A_NSEG(DI), BX
	LEAQ (AX)(BX*4), AX
	MOVQ AX, 16(SP)
	MOVQ $1, 32(SP)
	MOVQ A_ROW(DI), SI
	MOVQ A_FAC(DI), R13
	MOVQ A_P(DI), R10
	MOVQ A_O(DI), R11
	MOVQ A_TK(DI), R9
	MOVQ A_ST(DI), R15
	MOVQ A_N(DI), R14
	SHLQ $3, R14
	MOVQ R14, 40(SP)
	MOVQ A_R(DI), R12
	TESTQ R12, R12
	JNE tables
	LEAQ (R10)(R14*1), R12
	SHLQ $1, R14
	MOVQ $0x3FF0000000000000, AX
	MOVQ AX, X15
	VBROADCASTSD X15, Y15
	CMPQ 40(SP), $96
	JEQ twelve
	CMPQ 40(SP), $64
	JEQ eight

	DOWNN(seg, down1, down2, downdone, cat1, routed1, cat2, routed2, DOWNTAIL, DOWNSTEP1T, DOWNSTEPT, down1loop, down2loop)
downdone:
	UPSTART
	NEXTGROUP(useg, up1, up2, updone, RECSIZE)
up1:
	UPNODE1
up1loop:
	UPSTEP1(0)
	ADDQ $32, DX
	CMPQ DX, R14
	JLT up1loop
	UPNEXT(up1, useg)
up2:
	UPNODE
up2loop:
	UPSTEP(0)
	ADDQ $32, DX
	CMPQ DX, R14
	JLT up2loop
	UPNEXT(up2, useg)
updone:
	VZEROUPPER
	RET

twelve:
	// t_k in Y12-Y14, then −1/(1 − t_k).
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	VMOVUPD 64(R9), Y14
	DOWN12(seg12, down12a, down12b, down12done, cat12a, routed12a, cat12b, routed12b, DOWNTAIL, DOWNSTEP1T, DOWNSTEPT)
down12done:
	UPSTART
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	VMOVUPD 64(R9), Y14
	NEXTGROUP(useg12, up12a, up12b, up12done, RECSIZE)
up12a:
	UPNODE1
	UPSTEP1N(0, Y12)
	UPSTEP1N(32, Y13)
	UPSTEP1N(64, Y14)
	UPNEXT(up12a, useg12)
up12b:
	UPNODE
	UPSTEPN(0, Y12)
	UPSTEPN(32, Y13)
	UPSTEPN(64, Y14)
	UPNEXT(up12b, useg12)
up12done:
	VZEROUPPER
	RET

eight:
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	DOWN8(seg8, down8a, down8b, down8done, cat8a, routed8a, cat8b, routed8b, DOWNTAIL, DOWNSTEP1T, DOWNSTEPT)
down8done:
	UPSTART
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	NEXTGROUP(useg8, up8a, up8b, up8done, RECSIZE)
up8a:
	UPNODE1
	UPSTEP1N(0, Y12)
	UPSTEP1N(32, Y13)
	UPNEXT(up8a, useg8)
up8b:
	UPNODE
	UPSTEPN(0, Y12)
	UPSTEPN(32, Y13)
	UPNEXT(up8b, useg8)
up8done:
	VZEROUPPER
	RET

tables:
	// With a table of reciprocals (R12, blocks of n values like the
	// polynomials': R14 = n·8); the up pass is the same.
	CMPQ 40(SP), $96
	JEQ twelvet
	CMPQ 40(SP), $64
	JEQ eightt
	DOWNN(segt, down1t, down2t, downdone, cat1t, routed1t, cat2t, routed2t, DOWNTAILT, DOWNSTEP1TV, DOWNSTEPTV, down1tloop, down2tloop)

twelvet:
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	VMOVUPD 64(R9), Y14
	DOWN12(seg12t, down12ta, down12tb, down12done, cat12ta, routed12ta, cat12tb, routed12tb, DOWNTAILT, DOWNSTEP1TV, DOWNSTEPTV)

eightt:
	VMOVUPD 0(R9), Y12
	VMOVUPD 32(R9), Y13
	DOWN8(seg8t, down8ta, down8tb, down8done, cat8ta, routed8ta, cat8tb, routed8tb, DOWNTAILT, DOWNSTEP1TV, DOWNSTEPTV)

cat1:
	CATEGORICAL(routed1)
cat2:
	CATEGORICAL(routed2)
cat12a:
	CATEGORICAL(routed12a)
cat12b:
	CATEGORICAL(routed12b)
cat8a:
	CATEGORICAL(routed8a)
cat8b:
	CATEGORICAL(routed8b)
cat1t:
	CATEGORICAL(routed1t)
cat2t:
	CATEGORICAL(routed2t)
cat12ta:
	CATEGORICAL(routed12ta)
cat12tb:
	CATEGORICAL(routed12tb)
cat8ta:
	CATEGORICAL(routed8ta)
cat8tb:
	CATEGORICAL(routed8tb)

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
