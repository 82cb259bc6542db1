//go:build unix

package flow

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
)

// BenchmarkArgusSideBySide meters a synthetic capture file and runs
// `argus -r FILE -w /dev/null` on the same file, one after the other in
// each iteration, and reports the meter's speed-up over Argus in CPU time
// and in wall time. It skips when argus is not installed.
//
// The meter runs twice per iteration. In the benchmark's process
// (MeterFile with CIC statistics and every flow's CIC row, as a Go
// program that meters captures does): its CPU time is the process's user
// plus system time over the call, which also counts the collector marking
// the benchmark's own heap (the 45 MB in-memory capture) whenever a cycle
// starts. And in a process of its own, as Argus runs: the test binary
// started again with meterFileEnv set (see TestMain), doing the same
// work; its CPU time, like Argus's, is the child process's user plus
// system time, start-up, page faults and its own collector cycles
// included. The "-process" metrics compare those two processes.
func BenchmarkArgusSideBySide(b *testing.B) {
	argus, err := exec.LookPath("argus")
	if err != nil {
		b.Skip("argus not installed (Debian package argus-server)")
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "synthetic.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchCapture().WritePcap(f); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	want := strconv.Itoa(len(benchCapture().Packets))
	var meterT, procT, argusT, meterCPU, procCPU, argusCPU time.Duration
	var row dataset.Row
	for b.Loop() {
		start, c0 := time.Now(), cpuTime()
		if _, err := MeterFile(path, Config{CIC: true}, func(f *Flow) { _ = CIC{}.Row(f, &row) }); err != nil {
			b.Fatal(err)
		}
		meterT += time.Since(start)
		meterCPU += cpuTime() - c0

		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), meterFileEnv+"="+path)
		out, wall, cpu := runProcess(b, cmd)
		if got := string(bytes.TrimSpace(out)); got != want {
			b.Fatalf("meter process metered %q packets, want %s", got, want)
		}
		procT += wall
		procCPU += cpu

		_, wall, cpu = runProcess(b, exec.Command(argus, "-r", path, "-w", "/dev/null"))
		argusT += wall
		argusCPU += cpu
	}
	pkts := float64(b.N) * float64(len(benchCapture().Packets))
	b.ReportMetric(pkts/meterT.Seconds(), "meter-pkts/s")
	b.ReportMetric(pkts/argusT.Seconds(), "argus-pkts/s")
	b.ReportMetric(argusT.Seconds()/meterT.Seconds(), "x-argus-wall")
	b.ReportMetric(argusT.Seconds()/procT.Seconds(), "x-argus-wall-process")
	if meterCPU > 0 && procCPU > 0 && argusCPU > 0 {
		b.ReportMetric(argusCPU.Seconds()/meterCPU.Seconds(), "x-argus-cpu")
		b.ReportMetric(argusCPU.Seconds()/procCPU.Seconds(), "x-argus-cpu-process")
	}
}

// runProcess runs cmd and returns its standard output, its wall time and
// its user plus system CPU time.
func runProcess(b *testing.B, cmd *exec.Cmd) (out []byte, wall, cpu time.Duration) {
	b.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v: %s", cmd.Path, err, stderr.Bytes())
	}
	wall = time.Since(start)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return stdout.Bytes(), wall, cpu
}
