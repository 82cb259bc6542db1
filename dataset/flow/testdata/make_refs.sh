#!/usr/bin/env bash
# make_refs.sh writes the reference outputs the flow tests compare the meter
# with, by running the real tools on every capture under PCAP_DIR:
#
#   argus/<capture>.csv     argus -r, then racluster per bidirectional 5-tuple
#   tshark/<capture>.conv   tshark -q -z conv,tcp -z conv,udp -z conv,sctp
#   gtp/<capture>.tsv       tshark's GTP-U decode: frame, TEID, inner addresses, ports
#
# Argus (Debian argus-server/argus-client 3.0.8) and tshark (4.0) must be
# installed. Usage: PCAP_DIR=../shared/data/pcap bash dataset/flow/testdata/make_refs.sh
set -euo pipefail
: "${PCAP_DIR:?set PCAP_DIR to the shared capture folder}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# One status record per flow: a status interval longer than any capture,
# so racluster only merges records argus split by its own idle timeouts.
cat >"$tmp/argus.conf" <<'CONF'
ARGUS_FLOW_TYPE="Bidirectional"
ARGUS_FLOW_KEY="CLASSIC_5_TUPLE"
ARGUS_FLOW_STATUS_INTERVAL=3600
ARGUS_MAR_STATUS_INTERVAL=3600
CONF
rm -rf "$here/argus" "$here/tshark" "$here/gtp"
cd "$PCAP_DIR"
tail -n +2 MANIFEST.tsv | cut -f2,18 | while IFS=$'\t' read -r file tpdus; do
  [ -f "$file" ] || continue
  mkdir -p "$here/argus/$(dirname "$file")" "$here/tshark/$(dirname "$file")"
  if argus -F "$tmp/argus.conf" -r "$file" -w "$tmp/out.argus" 2>/dev/null && [ -s "$tmp/out.argus" ]; then
    racluster -r "$tmp/out.argus" -n -c , -m saddr daddr proto sport dport \
      -s proto saddr sport daddr dport spkts dpkts sbytes dbytes >"$here/argus/$file.csv" 2>/dev/null || true
  fi
  rm -f "$tmp/out.argus"
  tshark -r "$file" -q -z conv,tcp -z conv,udp -z conv,sctp >"$here/tshark/$file.conv" 2>/dev/null || true
  if [ "${tpdus:-0}" != "0" ]; then
    mkdir -p "$here/gtp/$(dirname "$file")"
    tshark -r "$file" -Y 'gtp.message == 255' -T fields -E separator=/t \
      -e frame.number -e gtp.teid -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
      -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport >"$here/gtp/$file.tsv" 2>/dev/null || true
  fi
done
echo "references written under $here"
