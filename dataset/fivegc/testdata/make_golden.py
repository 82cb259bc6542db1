#!/usr/bin/env python3
"""Reference outputs for the 5G core decoders, made by tshark's dissectors.

Run from the repository root (needs tshark, tested with Wireshark 4.0.17):

    python3 dataset/fivegc/testdata/make_golden.py "$PCAP_DIR"

For every capture that carries PFCP, GTPv2-C or NGAP it writes one line per
message into dataset/fivegc/{pfcp,gtpv2,ngap}/testdata/golden.tsv: the
capture, the frame number, the message bytes in hexadecimal and the fields
tshark's dissector shows. The Go tests decode the bytes and compare field by
field, so `go test` needs neither tshark nor the captures.

PFCP and GTPv2-C come from `tshark -T fields` (every occurrence of a field,
in the dissector's tree order, joined by ';'), with the UDP payload
(`udp.payload`). NGAP comes from `tshark -T json -x --no-duplicate-keys`,
because tshark 4.0 has no field holding an SCTP DATA chunk's bytes: the
`ngap_raw` bytes of each PDU, and, walking the tree, the PDU type,
procedure code, criticality, the top-level IE list (id:criticality), the
UE NGAP IDs, the Cause (group:value), the NAS-PDU and the NAS-5GS header
of each top-level NAS-PDU (with the 5GSM cause of a reject, release command
or status),
and the NAS-PDUs inside the items of the PDU Session Resource Setup and
Modify request lists (IEs 64, 71, 74) with their headers, one entry per
NAS-PDU joined by ';'.
"""
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Folders and files of the shared capture set that hold the 5G core
# control plane (see the capture set's README and MANIFEST.tsv).
DIRS = ["tempo", "dongnt", "dlteam5g", "suci", "tfactory", "zeek/tunnels/gtp"]
FILES = ["ndpi/pfcp.pcapng", "scapy/pfcp.pcap", "ndpi/gtp_c.pcap",
         "ndpi/gtp_false_positive.pcapng", "ndpi/sctp.cap"]

PFCP_FIELDS = ["pfcp.version", "pfcp.s", "pfcp.msg_type", "pfcp.seid",
               "pfcp.seqno", "pfcp.ie_type", "pfcp.cause", "pfcp.node_id_ipv4",
               "pfcp.f_seid.ipv4", "pfcp.recovery_time_stamp",
               "pfcp.f_teid.teid", "pfcp.f_teid.ipv4_addr",
               "pfcp.ue_ip_addr_ipv4", "pfcp.apply_action.drop",
               "pfcp.apply_action.forw", "pfcp.apply_action.buff",
               "pfcp.dst_interface", "pfcp.pdr_id", "pfcp.far_id"]
GTPV2_FIELDS = ["gtpv2.version", "gtpv2.p", "gtpv2.t", "gtpv2.message_type",
                "gtpv2.msg_length", "gtpv2.teid", "gtpv2.seq", "gtpv2.ie_type",
                "gtpv2.cause"]
NGAP_COLS = ["pdu", "procedure", "criticality", "ies", "ran_ue_id",
             "amf_ue_id", "ids_amf_ue_id", "ids_ran_ue_id", "nas_pdu", "nas_epd", "nas_sht", "nas_mm_type",
             "nas_sm_type", "nas_5gmm_cause", "nas_type_id", "nested_nas_pdu",
             "nested_nas_epd", "nested_nas_sht", "nested_nas_mm_type", "nested_nas_sm_type",
             "cause", "nas_5gsm_cause"]
# The 5GSM messages whose first mandatory IE is the 5GSM cause (TS 24.501
# §8.3.3, §8.3.8, §8.3.13, §8.3.14, §8.3.16); tshark also shows the optional
# cause of others (an accept's), which the decoder does not read.
SM_CAUSE_TYPES = ("0xc3", "0xca", "0xd2", "0xd3", "0xd6")
CAUSE_GROUPS = ["ngap.radioNetwork", "ngap.transport", "ngap.nas", "ngap.protocol", "ngap.misc"]
# The PDU Session Resource lists whose items carry a NAS-PDU.
NESTED_IES = ("64", "71", "74")

NTP_EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone.utc)


def captures(base):
    out = []
    for d in DIRS:
        p = os.path.join(base, d)
        if not os.path.isdir(p):
            continue
        for name in sorted(os.listdir(p)):
            if name.endswith((".pcap", ".pcapng", ".cap")):
                out.append(os.path.join(d, name))
    for f in FILES:
        if os.path.exists(os.path.join(base, f)):
            out.append(f)
    return out


def tshark(args):
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    r = subprocess.run(["tshark", "-n", *args],
                       capture_output=True, text=True, env=env)
    return r.stdout


def ntp_seconds(s):
    """tshark shows a PFCP Recovery Time Stamp as a UTC date; give it back
    as seconds since 1900 (the value on the wire, RFC 5905)."""
    if not s:
        return s
    out = []
    for v in s.split(";"):
        # "Oct 11, 2021 07:36:22.000000000 UTC"
        v = v.strip()
        if v == "NULL":  # tshark shows a zero time stamp as NULL
            out.append("0")
            continue
        v = v.replace(" UTC", "")
        date = v.rsplit(".", 1)[0].replace(",", "")
        t = datetime.datetime.strptime(" ".join(date.split()), "%b %d %Y %H:%M:%S")
        t = t.replace(tzinfo=datetime.timezone.utc)
        out.append(str(int((t - NTP_EPOCH).total_seconds())))
    return ";".join(out)


def fields(base, cap, filt, payload, names):
    args = ["-r", os.path.join(base, cap), "-Y", filt, "-T", "fields",
            "-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=\t",
            "-e", "frame.number", "-e", payload]
    for n in names:
        args += ["-e", n]
    rows = []
    for line in tshark(args).splitlines():
        cols = line.split("\t")
        cols += [""] * (2 + len(names) - len(cols))
        rows.append(cols)
    return rows


def write(path, header, rows):
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(path, len(rows), "rows")


def udp_protocols(base, caps):
    """PFCP and GTPv2-C, one tshark run per capture."""
    prow, grow = [], []
    n = len(PFCP_FIELDS)
    for cap in caps:
        for r in fields(base, cap, "(pfcp || gtpv2) && !icmp", "udp.payload",
                        PFCP_FIELDS + GTPV2_FIELDS):
            if ";" in r[1]:
                # Two UDP layers (signalling inside GTP-U): keep the innermost.
                r[1] = r[1].split(";")[-1]
            head, pf, gt = r[:2], r[2:2 + n], r[2 + n:]
            if pf[PFCP_FIELDS.index("pfcp.msg_type")]:
                i = PFCP_FIELDS.index("pfcp.recovery_time_stamp")
                pf[i] = ntp_seconds(pf[i])
                prow.append([cap] + head + pf)
            if gt[GTPV2_FIELDS.index("gtpv2.message_type")]:
                grow.append([cap] + head + gt)
    write(os.path.join(ROOT, "pfcp", "testdata", "golden.tsv"),
          ["capture", "frame", "payload"] + PFCP_FIELDS, prow)
    write(os.path.join(ROOT, "gtpv2", "testdata", "golden.tsv"),
          ["capture", "frame", "payload"] + GTPV2_FIELDS, grow)


def as_list(v):
    return v if isinstance(v, list) else [v]


def find(tree, key):
    """All values of key in tree, depth first in document order."""
    out = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                out.extend(as_list(v))
            else:
                out.extend(find(v, key))
    elif isinstance(tree, list):
        for v in tree:
            out.extend(find(v, key))
    return out


def find_raw(tree, key):
    """All raw values ([hex, offset, length, ...]) of key in tree."""
    out = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                if v and isinstance(v[0], list):
                    out.extend(v)
                else:
                    out.append(v)
            else:
                out.extend(find_raw(v, key))
    elif isinstance(tree, list):
        for v in tree:
            out.extend(find_raw(v, key))
    return out


def ngap_pdu(layer):
    """The golden columns of one NGAP PDU from its JSON tree."""
    pdu = layer.get("ngap.NGAP_PDU", "")
    tree = layer.get("ngap.NGAP_PDU_tree", {})
    msg = None
    for k, v in tree.items():
        if k.endswith("_element") and isinstance(v, dict):
            msg = v
    if msg is None:
        return None
    proc = msg.get("ngap.procedureCode", "")
    crit = msg.get("ngap.criticality", "")
    value = msg.get("ngap.value_element", {})
    ies, ran, amf, nas, cause = [], "", "", "", ""
    ids_amf, ids_ran = "", ""
    nas_tree = None
    nested = [[], [], [], [], []]
    for k, v in value.items():
        if not (k.endswith("_element") and isinstance(v, dict)):
            continue
        items = v.get("ngap.protocolIEs_tree", {})
        for name, item in items.items():
            field = item.get("ngap.ProtocolIE_Field_element", {})
            ie_id = field.get("ngap.id", "")
            ies.append(ie_id + ":" + field.get("ngap.criticality", ""))
            val = field.get("ngap.value_element", {})
            if ie_id == "85":
                ran = val.get("ngap.RAN_UE_NGAP_ID", "")
            elif ie_id == "10":
                amf = val.get("ngap.AMF_UE_NGAP_ID", "")
            elif ie_id == "114":
                # UE-NGAP-IDs: the pair or the AMF ID alone.
                a = find(val, "ngap.AMF_UE_NGAP_ID")
                r = find(val, "ngap.RAN_UE_NGAP_ID")
                ids_amf = a[0] if a else ""
                ids_ran = r[0] if r else ""
            elif ie_id == "15" and not cause:
                # The Cause choice and its group's value: "group:value".
                group = val.get("ngap.Cause", "")
                tree = val.get("ngap.Cause_tree", {})
                value = ""
                if group.isdigit() and int(group) < len(CAUSE_GROUPS):
                    value = tree.get(CAUSE_GROUPS[int(group)], "")
                cause = group + ":" + value
            elif ie_id == "38":
                raw = val.get("ngap.NAS_PDU_raw")
                if raw:
                    nas = raw[0]
                nas_tree = val.get("ngap.NAS_PDU_tree")
            elif ie_id in NESTED_IES:
                nested[0].extend(r[0] for r in find_raw(val, "ngap.nAS_PDU_raw") + find_raw(val, "ngap.pDUSessionNAS_PDU_raw"))
                for t in find(val, "ngap.nAS_PDU_tree") + find(val, "ngap.pDUSessionNAS_PDU_tree"):
                    mm = find(t, "nas_5gs.mm.message_type")
                    sm = find(t, "nas_5gs.sm.message_type")
                    nested[1].append(",".join(find(t, "nas_5gs.epd")))
                    nested[2].append(",".join(find(t, "nas_5gs.security_header_type")))
                    nested[3].append(mm[0] if mm else "")
                    nested[4].append(sm[0] if sm else "")
    nas_cols = [""] * 6
    sm_cause = ""
    if nas_tree is not None:
        # The first (outer) header, then the plain message it protects:
        # tshark shows the inner message of an integrity-protected one.
        def first(key):
            v = find(nas_tree, key)
            return v[0] if v else ""
        def all_(key):
            return ";".join(find(nas_tree, key))
        nas_cols = [all_("nas_5gs.epd"), all_("nas_5gs.security_header_type"),
                    first("nas_5gs.mm.message_type"), first("nas_5gs.sm.message_type"),
                    first("nas_5gs.mm.5gmm_cause"), first("nas_5gs.mm.type_id")]
        if nas_cols[3] in SM_CAUSE_TYPES:
            sm_cause = first("nas_5gs.sm.5gsm_cause")
    return ([pdu, proc, crit, ";".join(ies), ran, amf, ids_amf, ids_ran, nas] + nas_cols +
            [";".join(x) for x in nested] + [cause, sm_cause])


def ngap(base, caps):
    rows = ngap_rows(base, caps)
    # Captures the library's own encoders write (testdata/*.pcap).
    own = os.path.join(ROOT, "testdata")
    rows += ngap_rows(own, sorted(n for n in os.listdir(own) if n.endswith(".pcap")))
    write(os.path.join(ROOT, "ngap", "testdata", "golden.tsv"),
          ["capture", "frame", "payload"] + NGAP_COLS, rows)


def ngap_rows(base, caps):
    rows = []
    for cap in caps:
        out = tshark(["-r", os.path.join(base, cap), "-Y", "ngap", "-T", "json",
                      "-x", "--no-duplicate-keys"])
        if not out.strip():
            continue
        for pkt in json.loads(out):
            layers = pkt["_source"]["layers"]
            frame = layers["frame"]["frame.number"]
            raws = layers.get("ngap_raw")
            trees = layers.get("ngap")
            if raws is None or trees is None:
                continue
            if not isinstance(raws[0], list):
                raws = [raws]
            trees = as_list(trees)
            for raw, tree in zip(raws, trees):
                cols = ngap_pdu(tree)
                if cols is None:
                    continue
                rows.append([cap, frame, raw[0]] + cols)
    return rows


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PCAP_DIR", "")
    if not base or not os.path.isdir(base):
        sys.exit("usage: make_golden.py PCAP_DIR")
    caps = captures(base)
    for d in ("pfcp", "gtpv2", "ngap"):
        os.makedirs(os.path.join(ROOT, d, "testdata"), exist_ok=True)
    udp_protocols(base, caps)
    ngap(base, caps)


if __name__ == "__main__":
    main()
