package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	gobuild "go/build"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSIGTERMBinary does what the documentation shows: go build, run the
// binary, send it SIGTERM while a request is in flight. The request still
// gets its answer, the process logs "stopped" and exits with status 0.
func TestSIGTERMBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short (TestGracefulShutdown checks the same in-process)")
	}
	testBundle(t)
	bin := filepath.Join(t.TempDir(), "serve")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(gobuild.Default.GOROOT, "bin", "go")
	}
	build := exec.Command(goBin, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-demo-rows", "2000", "-shutdown-timeout", "10s")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan map[string]any, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
	}()
	next := func(msg string) map[string]any {
		t.Helper()
		timeout := time.After(30 * time.Second)
		for {
			select {
			case m, ok := <-lines:
				require.True(t, ok, "the process ended before logging %q", msg)
				if m["msg"] == msg {
					return m
				}
			case <-timeout:
				t.Fatalf("no %q log line in 30 s", msg)
			}
		}
	}
	addr, _ := next("serving")["addr"].(string)
	require.NotEmpty(t, addr)

	body := mustJSON(t, records[:5])
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = fmt.Fprintf(conn, "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // the server has the request in hand
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	next("shutting down: finishing requests in flight")
	_, err = conn.Write(body[10:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
	assert.True(t, strings.Contains(string(answer), `"scored":5`), string(answer))
	next("stopped")
	require.NoError(t, cmd.Wait(), "exit status 0 after SIGTERM")
}
