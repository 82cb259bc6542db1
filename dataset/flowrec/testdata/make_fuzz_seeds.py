#!/usr/bin/env python3
"""Writes the seed corpus of FuzzDecode (testdata/fuzz/FuzzDecode): the
NetFlow v9, IPFIX and sFlow packets of the shared captures, as recorded in
tshark_golden.tsv by make_tshark_golden.sh, and damaged forms of them (three packets per capture) (cut
short, a length field broken, a byte flipped). Run from this directory."""
import os

out = "fuzz/FuzzDecode"
os.makedirs(out, exist_ok=True)
with open("tshark_golden.tsv") as f:
    head = f.readline().rstrip("\n").split("\t")
    col = head.index("payload")
    per_file = {}
    for line in f:
        c = line.rstrip("\n").split("\t")
        # Three packets of each capture are enough: the rest are alike.
        per_file[c[0]] = per_file.get(c[0], 0) + 1
        if per_file[c[0]] > 3:
            continue
        name = c[0].replace("/", "_").replace(".", "_") + "_" + c[1]
        p = bytes.fromhex(c[col])
        seeds = {
            "": p,
            "_cut": p[: len(p) * 2 // 3],
            "_len": p[:2] + b"\xff\xff" + p[4:],
            "_flip": p[:20] + bytes([p[20] ^ 0xFF]) + p[21:] if len(p) > 21 else p,
            "_set": p[:18] + b"\x00\x00" + p[20:] if len(p) > 20 else p,
        }
        for suffix, data in seeds.items():
            lit = "".join("\\x%02x" % b for b in data)
            with open(os.path.join(out, name + suffix), "w") as g:
                g.write('go test fuzz v1\n[]byte("%s")\n' % lit)
