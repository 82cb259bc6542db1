#!/bin/sh
# Writes tshark_golden.tsv: for every NetFlow, IPFIX and sFlow packet in the
# shared captures, the UDP payload and the fields Wireshark's own dissectors
# (cflow, sflow_245) decode from it. The Go test TestTsharkGolden decodes
# each payload and compares, so it runs without tshark and without captures.
#
# Usage: PCAP_DIR=DIR sh make_tshark_golden.sh
# (tshark from Debian's tshark package; checked with Wireshark 4.0.17).
# ip.src, ip.dst and ip.proto list the outer header, then for sFlow the
# sampled packet's, separated by ';'.
set -eu
: "${PCAP_DIR:?set PCAP_DIR to the shared captures}"
cd "$(dirname "$0")"
out=tshark_golden.tsv
# capture, UDP port to dissect as NetFlow/IPFIX (sFlow's 6343 is known)
caps="scapy/netflowv9.pcap:2055 scapy/ipfix.pcap:9995 ndpi/netflowv9.pcap:2057 ndpi/netflow-fritz.pcap:2055 ndpi/sflow.pcap:6343"
cflow="cflow.version cflow.sysuptime cflow.unix_secs cflow.srcaddr cflow.srcaddrv6 cflow.dstaddr cflow.dstaddrv6 cflow.srcport cflow.dstport cflow.protocol cflow.octets cflow.packets cflow.tcpflags cflow.inputint cflow.outputint cflow.abstimestart cflow.abstimeend cflow.timestart cflow.timeend"
sflow="sflow_245.sampletype sflow.flow_sample.sampling_rate sflow.flow_sample.input_interface sflow.flow_sample.output_interface_value sflow_245.header.frame_length ip.proto tcp.srcport tcp.dstport udp.srcport udp.dstport tcp.flags"
{
	printf 'file\tframe\ttime\texporter\tpayload\tkind\tip.src\tip.dst'
	for f in $cflow; do printf '\t%s' "$f"; done
	for f in $sflow; do printf '\t%s' "$f"; done
	printf '\n'
	for c in $caps; do
		file=${c%%:*}
		port=${c##*:}
		args=""
		if [ "$port" != 6343 ]; then args="-d udp.port==$port,cflow"; fi
		for f in $cflow $sflow; do args="$args -e $f"; done
		# shellcheck disable=SC2086
		tshark -r "$PCAP_DIR/$file" -Y "cflow || sflow" \
			-T fields -E separator=/t -E aggregator=';' -E occurrence=a \
			-e frame.number -e frame.time_epoch -e ip.src -e ip.dst -e udp.payload $args 2>/dev/null |
			awk -F'\t' -v file="$file" 'BEGIN{OFS="\t"} {
				split($3, src, ";")
				kind = ($5 ~ /^00000005/) ? "sflow" : "cflow"
				printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", file, $1, $2, src[1], $5, kind, $3, $4
				for (i = 6; i <= NF; i++) printf "\t%s", $i
				printf "\n"
			}'
	done
} >"$out"
echo "wrote $(($(wc -l <"$out") - 1)) packets to $out"
