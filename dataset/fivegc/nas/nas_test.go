package nas

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/golden"
)

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Messages built by hand from TS 24.501 §8 and §9; the real ones are
// checked against tshark through package ngap's golden test.
func TestDecode(t *testing.T) {
	for _, c := range []struct {
		name    string
		in      string
		mm      MMType
		sm      SMType
		cause   uint8
		smCause uint8
		idType  uint8
		ciph    bool
		err     bool
	}{
		{name: "registration request with SUCI", in: "7e004171000d0102f839f0ff000000000000000000", mm: RegistrationRequest, idType: IdentitySUCI},
		{name: "registration reject cause 3", in: "7e004403", mm: RegistrationReject, cause: 3, idType: IdentityAbsent},
		{name: "authentication failure synch", in: "7e005915", mm: AuthenticationFailure, cause: 21, idType: IdentityAbsent},
		{name: "identity request SUCI", in: "7e005b01", mm: IdentityRequest, idType: IdentitySUCI},
		{name: "identity response IMEI", in: "7e005c000803214365870921f3", mm: IdentityResponse, idType: IdentityIMEI},
		{name: "ciphered", in: "7e0211223344057e0042", ciph: true, idType: IdentityAbsent},
		{name: "integrity protected security mode complete", in: "7e04aabbccdd007e005e", ciph: true, idType: IdentityAbsent},
		{name: "integrity protected plain inner", in: "7e01aabbccdd027e004401", mm: RegistrationReject, cause: 1, idType: IdentityAbsent},
		{name: "ul nas transport with 5gsm", in: "7e00670100052e0101c1ff", mm: ULNASTransport, sm: PDUSessionEstablishmentRequest, idType: IdentityAbsent},
		{name: "5gsm", in: "2e0501c2", sm: PDUSessionEstablishmentAccept, idType: IdentityAbsent},
		{name: "5gsm status cause 97", in: "2e0501d661", sm: SMStatus, smCause: 97, idType: IdentityAbsent},
		{name: "5gsm establishment reject cause 26", in: "2e0501c31a", sm: PDUSessionEstablishmentReject, smCause: 26, idType: IdentityAbsent},
		{name: "5gsm accept has no mandatory cause", in: "2e0501c21a", sm: PDUSessionEstablishmentAccept, idType: IdentityAbsent},
		{name: "5gsm status without its cause", in: "2e0501d6", sm: SMStatus, idType: IdentityAbsent},
		{name: "dl nas transport with 5gsm release command", in: "7e00680100052e0501d324", mm: DLNASTransport, sm: PDUSessionReleaseCommand, smCause: 36, idType: IdentityAbsent},
		{name: "ul nas transport with unknown 5gsm type", in: "7e00670100042e0a01e1", mm: ULNASTransport, sm: 0xe1, idType: IdentityAbsent},
		{name: "5gmm status cause 97", in: "7e006461", mm: Status, cause: 97, idType: IdentityAbsent},
		{name: "reserved security header", in: "7e0f00", err: true},
		{name: "unknown epd", in: "0f00", err: true},
		{name: "identity length past end", in: "7e005c00ff01", err: true},
		{name: "empty", in: "", err: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			err := Decode(h(c.in), &m)
			if c.err {
				assert.ErrorIs(t, err, ErrFormat)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.mm, m.MMType)
			assert.Equal(t, c.sm, m.SMType)
			assert.Equal(t, c.cause, m.Cause)
			assert.Equal(t, c.smCause, m.SMCause)
			assert.Equal(t, c.idType, m.IdentityType)
			assert.Equal(t, c.ciph, m.Ciphered)
		})
	}
}

func TestProtocolErrorCause(t *testing.T) {
	for _, c := range []struct {
		cause uint8
		want  bool
	}{
		{0, false}, {3, false}, {20, false}, {92, false}, {94, false},
		{95, true}, {96, true}, {97, true}, {98, true}, {99, true}, {100, true}, {101, true},
		{102, false}, {110, false}, {111, true}, {112, false}, {255, false},
	} {
		assert.Equal(t, c.want, ProtocolErrorCause(c.cause), "cause #%d", c.cause)
	}
	assert.False(t, SMType(0xe1).Known(), "0xe1 is not a 5GSM message type")
	assert.True(t, SMStatus.Known())
}

func corpus(tb testing.TB) [][]byte {
	rows, err := golden.Read(filepath.Join("..", "ngap", "testdata", "golden.tsv"))
	require.NoError(tb, err)
	var out [][]byte
	for _, r := range rows {
		if s := r.Fields["nas_pdu"]; s != "" {
			out = append(out, h(s))
		}
	}
	require.NotEmpty(tb, out)
	return out
}

func TestDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are counted without the race detector")
	}
	msgs := corpus(t)
	var m Message
	n := testing.AllocsPerRun(5, func() {
		for _, b := range msgs {
			_ = Decode(b, &m)
		}
	})
	assert.LessOrEqual(t, n, 3.0) // the one fuzzed message's *Error
}

func BenchmarkDecode(b *testing.B) {
	msgs := corpus(b)
	var m Message
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = Decode(msgs[i], &m)
		if i++; i == len(msgs) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// FuzzDecode: no panic, allocation bounded. Seeds in testdata/fuzz.
func FuzzDecode(f *testing.F) {
	var m Message
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Decode(b, &m)
		_ = DecodeNullCiphered(b, &m)
		if n := testing.AllocsPerRun(1, func() { _ = DecodeNullCiphered(b, &m) }); n > 4 {
			t.Fatalf("%v allocations for %d bytes", n, len(b))
		}
	})
}

func TestWriteSeeds(t *testing.T) {
	if os.Getenv("WRITE_SEEDS") == "" {
		t.Skip("set WRITE_SEEDS=1 to rewrite testdata/fuzz/FuzzDecode from the reference NAS-PDUs")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	msgs := corpus(t)
	step := len(msgs)/20 + 1
	for i := 0; i < len(msgs); i += step {
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(msgs[i])) + ")\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "real"+strconv.Itoa(i)), []byte(body), 0o644))
	}
}

func TestDecodeNullCiphered(t *testing.T) {
	var m Message
	// A Registration Accept under 5G-EA0 (dlteam5g/007b, frame 107).
	require.NoError(t, DecodeNullCiphered(h("7e02ea93e670017e0042010177000bf200f110020040c000064654074000f1100000011502010121020100"), &m))
	assert.True(t, m.Ciphered)
	assert.True(t, m.NullCiphered)
	assert.Equal(t, RegistrationAccept, m.MMType)
	// Really ciphered bytes stay undecoded.
	require.NoError(t, DecodeNullCiphered(h("7e0211223344059a8b7c6d"), &m))
	assert.True(t, m.Ciphered)
	assert.False(t, m.Plain)
	// Ciphertext that starts with the 5GSM discriminator but no defined
	// 5GSM type is not taken as plain; with a defined type it is.
	require.NoError(t, DecodeNullCiphered(h("7e04aabbccdd002e64ee27"), &m))
	assert.False(t, m.Plain)
	assert.Zero(t, m.SMType)
	require.NoError(t, DecodeNullCiphered(h("7e04aabbccdd002e0501d661"), &m))
	assert.True(t, m.Plain)
	assert.Equal(t, SMStatus, m.SMType)
	assert.Equal(t, uint8(97), m.SMCause)
	// Decode leaves the same message ciphered.
	require.NoError(t, Decode(h("7e02ea93e670017e0042010177000bf200f110020040c000064654074000f1100000011502010121020100"), &m))
	assert.False(t, m.Plain)
}
