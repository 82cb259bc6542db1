//go:build unix

package flow

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
)

// BenchmarkArgusSideBySide meters a synthetic capture file and runs
// `argus -r FILE -w /dev/null` on the same file, one after the other in
// each iteration, and reports the meter's speed-up over Argus. It skips
// when argus is not installed.
func BenchmarkArgusSideBySide(b *testing.B) {
	argus, err := exec.LookPath("argus")
	if err != nil {
		b.Skip("argus not installed (Debian package argus-server)")
	}
	path := filepath.Join(b.TempDir(), "synthetic.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchCapture.WritePcap(f); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var meterT, argusT, meterCPU, argusCPU time.Duration
	var row dataset.Row
	for b.Loop() {
		start, c0 := time.Now(), cpuTime()
		if _, err := MeterFile(path, Config{CIC: true}, func(f *Flow) { _ = CIC{}.Row(f, &row) }); err != nil {
			b.Fatal(err)
		}
		meterT += time.Since(start)
		meterCPU += cpuTime() - c0
		start = time.Now()
		cmd := exec.Command(argus, "-r", path, "-w", "/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("argus: %v: %s", err, out)
		}
		argusT += time.Since(start)
		if st, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			argusCPU += time.Duration(st.Utime.Nano() + st.Stime.Nano())
		}
	}
	pkts := float64(b.N) * float64(len(benchCapture.Packets))
	b.ReportMetric(pkts/meterT.Seconds(), "meter-pkts/s")
	b.ReportMetric(pkts/argusT.Seconds(), "argus-pkts/s")
	b.ReportMetric(argusT.Seconds()/meterT.Seconds(), "x-argus-wall")
	if meterCPU > 0 && argusCPU > 0 {
		b.ReportMetric(argusCPU.Seconds()/meterCPU.Seconds(), "x-argus-cpu")
	}
}
