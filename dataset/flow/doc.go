// Package flow meters packets into bidirectional flows and computes the
// feature sets detection models are trained on.
//
// Record is the flow record shared by every traffic source in netwarden:
// the meter here fills it from packets, and the flow-record readers map
// NetFlow, IPFIX, Zeek and Argus records into it.
package flow
