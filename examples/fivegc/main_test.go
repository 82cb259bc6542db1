package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/fivegc"
)

// TestOffline runs the example on the synthetic traffic: every attack
// scenario gets a report line, and the PFCP attacks on N4 are detected.
func TestOffline(t *testing.T) {
	var b strings.Builder
	require.NoError(t, run(context.Background(), &b, "", 0.02, 1))
	out := b.String()
	for _, a := range fivegc.Attacks {
		assert.Contains(t, out, a)
	}
	for _, a := range []string{"pfcp_establishment_flood", "pfcp_deletion_flood", "pfcp_modify_drop", "pfcp_modify_redirect", "pfcp_in_gtpu"} {
		assert.Regexp(t, a+` +1 +1 +100\.0%`, out, "N4 window of %s flagged", a)
	}
	assert.Regexp(t, `nas_registration_flood +\d+ +[1-9]\d* `, out, "a gNB window of the registration flood flagged")
	if testing.Verbose() {
		t.Log("\n" + out)
	}
}

// TestRealCaptures runs it with the shared captures (PCAP_DIR).
func TestRealCaptures(t *testing.T) {
	dir := os.Getenv("PCAP_DIR")
	if dir == "" {
		t.Skip("PCAP_DIR not set")
	}
	var b strings.Builder
	require.NoError(t, run(context.Background(), &b, dir, 0.02, 1))
	assert.Contains(t, b.String(), "suci/OnePlus_32_PersonOfInterest_found.pcapng")
	assert.Contains(t, b.String(), "nas_fuzzing")
}
