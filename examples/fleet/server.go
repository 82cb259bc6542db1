package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// installHint says how to get the server.
const installHint = "apt-get install nats-server (Debian's 2.9), or set NATS_SERVER to a nats-server binary"

// serverBinary returns the nats-server to start: $NATS_SERVER, else
// nats-server on the PATH.
func serverBinary() (string, error) {
	if p := os.Getenv("NATS_SERVER"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("NATS_SERVER=%s: %w (%s)", p, err, installHint)
		}
		return p, nil
	}
	p, err := exec.LookPath("nats-server")
	if err != nil {
		return "", fmt.Errorf("no nats-server: %s", installHint)
	}
	return p, nil
}

// server is one nats-server process with JetStream on, listening on
// 127.0.0.1, its store in a directory of its own, which outlives the
// process: Kill and Start again is a restart that keeps the streams.
type server struct {
	Name  string
	Port  int
	Route int // cluster port; 0 outside a cluster
	Dir   string
	bin   string
	conf  string
	cmd   *exec.Cmd
	log   *os.File
	done  chan struct{}
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// newServers writes the configuration of n servers under dir: one
// stand-alone server for n == 1, else a cluster of n with routes between
// them.
func newServers(bin, dir string, n int) ([]*server, error) {
	ss := make([]*server, n)
	for i := range ss {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &server{Name: fmt.Sprintf("n%d", i+1), Port: port, bin: bin, Dir: filepath.Join(dir, fmt.Sprintf("n%d", i+1))}
		if n > 1 {
			if s.Route, err = freePort(); err != nil {
				return nil, err
			}
		}
		ss[i] = s
	}
	for _, s := range ss {
		if err := os.MkdirAll(s.Dir, 0o755); err != nil {
			return nil, err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "server_name: %s\nlisten: 127.0.0.1:%d\n", s.Name, s.Port)
		fmt.Fprintf(&b, "jetstream {\n  store_dir: %q\n  max_memory_store: 256MB\n  max_file_store: 2GB\n}\n", filepath.Join(s.Dir, "js"))
		if n > 1 {
			fmt.Fprintf(&b, "cluster {\n  name: fleet\n  listen: 127.0.0.1:%d\n  routes: [\n", s.Route)
			for _, o := range ss {
				if o != s {
					fmt.Fprintf(&b, "    nats-route://127.0.0.1:%d\n", o.Route)
				}
			}
			b.WriteString("  ]\n}\n")
		}
		s.conf = filepath.Join(s.Dir, "server.conf")
		if err := os.WriteFile(s.conf, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

// URL returns the server's client URL.
func (s *server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.Port) }

// Start starts the process and waits until it accepts clients.
func (s *server) Start() error {
	log, err := os.OpenFile(filepath.Join(s.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.log = log
	s.cmd = exec.Command(s.bin, "-c", s.conf)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("%s: %w", s.bin, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("nats-server %s exited at start; see %s", s.Name, log.Name())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("nats-server %s: not listening on %d after 20 s", s.Name, s.Port)
}

// Kill ends the process with SIGKILL (no goodbye, as a crash) and waits
// for it.
func (s *server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.log.Close()
	s.cmd = nil
}

// Stop ends the process with SIGTERM and waits for it (SIGKILL after 10 s).
func (s *server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
	s.log.Close()
	s.cmd = nil
}

// urls returns the client URLs of ss, comma separated.
func urls(ss []*server) string {
	u := make([]string, len(ss))
	for i, s := range ss {
		u[i] = s.URL()
	}
	return strings.Join(u, ",")
}

// waitJetStream waits until JetStream answers on nc (a cluster has elected
// its meta leader).
func waitJetStream(ctx context.Context, js jetstream.JetStream) error {
	var err error
	for ctx.Err() == nil {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = js.AccountInfo(c)
		cancel()
		if err == nil {
			return nil
		}
		sleep(ctx, 100*time.Millisecond)
	}
	return errors.Join(ctx.Err(), err)
}
