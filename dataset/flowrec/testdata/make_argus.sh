#!/bin/sh
# Writes argus_kakaotalk.csv: the flow records Argus (argus-server 3.0.8)
# meters from the shared capture ndpi/KakaoTalk_chat.pcap, printed by ra
# (argus-client) as labelled CSV, and argus_kakaotalk.want: the capture's
# IP packet count as tshark counts it, which the records' packets must sum
# to. The Go test TestArgusKakaoTalk reads both; it needs neither tool.
#
# Usage: PCAP_DIR=DIR sh make_argus.sh
set -eu
: "${PCAP_DIR:?set PCAP_DIR to the shared captures}"
cd "$(dirname "$0")"
cap="$PCAP_DIR/ndpi/KakaoTalk_chat.pcap"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
argus -r "$cap" -w "$tmp/out.argus"
ra -r "$tmp/out.argus" -n -u -c , -s stime ltime saddr sport daddr dport proto spkts dpkts sbytes dbytes state >argus_kakaotalk.csv
printf 'ip_packets\t%s\n' "$(tshark -r "$cap" -Y ip -T fields -e frame.number | wc -l)" >argus_kakaotalk.want
echo "wrote $(($(wc -l <argus_kakaotalk.csv) - 1)) records"
