package flow

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/netwarden/netwarden/dataset"
)

// meterFileEnv, when set in the environment of the test binary, names a
// capture that the binary meters instead of running tests: the meter's own
// process in BenchmarkArgusSideBySide.
const meterFileEnv = "NETWARDEN_FLOW_METER_FILE"

func TestMain(m *testing.M) {
	if path := os.Getenv(meterFileEnv); path != "" {
		os.Exit(meterFileProcess(path, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// meterFileProcess meters the capture at path with CIC statistics,
// computing every flow's CIC row, and writes the number of packets metered
// to stdout; on an error it writes the error to stderr and returns exit
// status 1.
func meterFileProcess(path string, stdout, stderr io.Writer) int {
	var row dataset.Row
	var rowErr error
	st, err := MeterFile(path, Config{CIC: true}, func(f *Flow) {
		if err := (CIC{}).Row(f, &row); err != nil && rowErr == nil {
			rowErr = err
		}
	})
	if err == nil {
		err = rowErr
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, st.Packets)
	return 0
}
