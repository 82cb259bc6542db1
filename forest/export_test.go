package forest

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/netwarden/netwarden/internal/tree"
)

// TreeForTest exposes tree i of f to the external tests.
func TreeForTest(f *Forest, i int) *tree.Tree { return &f.trees[i] }

// Reseal recomputes the CRC-32 trailer of an encoded forest, so that tests
// can reach the checks behind the checksum.
func Reseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.LittleEndian.AppendUint32(append([]byte(nil), body...), crc32.ChecksumIEEE(body))
}

// UseAsm switches the assembly batch walk on or off (it stays off where
// there is none) and returns a function that restores the setting.
func UseAsm(on bool) (restore func()) {
	old := useAsm
	useAsm = on && old
	return func() { useAsm = old }
}

// OrderRows switches the ordering of batch windows on or off and returns a
// function that restores the setting.
func OrderRows(on bool) (restore func()) {
	old := orderRows
	orderRows = on
	return func() { orderRows = old }
}

// WindowRows is the most rows a batch window holds for rows of p features.
func WindowRows(p int) int { return windowRowsFor(p) }
