// Command spiffe-interop-peer is go-spiffe's side of spiffe-kit's interop tests and benchmarks
// (test/spire/interop-go.test.ts, bench/spire-compare.mjs). It talks to the Workload API at
// SPIFFE_ENDPOINT_SOCKET, like any go-spiffe workload.
//
//	server       --expect ID [--hint H]          mTLS HTTPS server; prints {"url","id"} on stdout,
//	                                               answers every request with the caller's SPIFFE ID
//	client       --url URL --expect ID [--hint H] one GET over mTLS; prints the body, or the error
//	                                               on stderr and exits 1
//	jwt-fetch    --audience A [--hint H]          prints a JWT-SVID for A
//	jwt-validate --audience A --token T           validates T against the Workload API's JWT
//	                                               bundles; prints the subject, or exits 1
//	bench-first-svid [--hint H]                   prints {"ms","id"}: main() to the first X509-SVID
//	bench-handshake  [--hint H] [--rounds N] [--block N] [--concurrency N] [--offset N]
//	                                               plain crypto/tls vs go-spiffe tlsconfig mTLS
//	                                               handshakes, interleaved; prints JSON
//
// The server exits on SIGTERM/SIGINT or when its stdin closes (its parent went away).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

var started = time.Now()

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: spiffe-interop-peer server|client|jwt-fetch|jwt-validate|bench-first-svid|bench-handshake [flags]"))
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "server":
		err = runServer(args)
	case "client":
		err = runClient(args)
	case "jwt-fetch":
		err = runJWTFetch(args)
	case "jwt-validate":
		err = runJWTValidate(args)
	case "bench-first-svid":
		err = runBenchFirstSVID(args)
	case "bench-handshake":
		err = runBenchHandshake(args)
	default:
		err = fmt.Errorf("unknown subcommand %q", cmd)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "error: %v\n", err)
	os.Exit(1)
}

func parse(fs *flag.FlagSet, args []string) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		os.Exit(2)
	}
}

// x509Source connects to the Workload API (SPIFFE_ENDPOINT_SOCKET) and waits for the first
// X509-SVID. With a hint, the source's default SVID is the one with that hint.
func x509Source(ctx context.Context, hint string) (*workloadapi.X509Source, error) {
	var opts []workloadapi.X509SourceOption
	if hint != "" {
		opts = append(opts, workloadapi.WithDefaultX509SVIDPicker(func(svids []*x509svid.SVID) *x509svid.SVID {
			for _, s := range svids {
				if s.Hint == hint {
					return s
				}
			}
			return nil
		}))
	}
	source, err := workloadapi.NewX509Source(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("X509 source: %w", err)
	}
	if _, err := source.GetX509SVID(); err != nil {
		source.Close()
		return nil, fmt.Errorf("no X509-SVID with hint %q: %w", hint, err)
	}
	return source, nil
}

func runServer(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	expect := fs.String("expect", "", "the SPIFFE ID clients must have")
	hint := fs.String("hint", "", "serve the X509-SVID with this hint")
	parse(fs, args)
	expected, err := spiffeid.FromString(*expect)
	if err != nil {
		return fmt.Errorf("--expect: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	source, err := x509Source(ctx, *hint)
	if err != nil {
		return err
	}
	defer source.Close()
	own, _ := source.GetX509SVID()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		TLSConfig:         tlsconfig.MTLSServerConfig(source, source, tlsconfig.AuthorizeID(expected)),
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The chain was verified and authorized during the handshake.
			id, err := x509svid.IDFromCert(r.TLS.PeerCertificates[0])
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, id.String())
		}),
	}
	// srv.ErrorLog (nil) logs handshake failures, e.g. `unexpected ID "..."`, to stderr.
	go func() {
		if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			fail(err)
		}
	}()
	line, _ := json.Marshal(map[string]string{"url": "https://" + ln.Addr().String(), "id": own.ID.String()})
	fmt.Println(string(line))

	done := make(chan struct{})
	go func() { // the parent closes stdin (or dies): stop
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case <-done:
	}
	shutdown, cancelShutdown := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancelShutdown()
	_ = srv.Shutdown(shutdown)
	return nil
}

func runClient(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	url := fs.String("url", "", "https URL to GET")
	expect := fs.String("expect", "", "the SPIFFE ID the server must have")
	hint := fs.String("hint", "", "present the X509-SVID with this hint")
	parse(fs, args)
	expected, err := spiffeid.FromString(*expect)
	if err != nil {
		return fmt.Errorf("--expect: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	source, err := x509Source(ctx, *hint)
	if err != nil {
		return err
	}
	defer source.Close()
	client := &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{TLSClientConfig: tlsconfig.MTLSClientConfig(source, source, tlsconfig.AuthorizeID(expected))},
	}
	res, err := client.Get(*url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", res.StatusCode, body)
	}
	fmt.Println(string(body))
	return nil
}

func runJWTFetch(args []string) error {
	fs := flag.NewFlagSet("jwt-fetch", flag.ExitOnError)
	audience := fs.String("audience", "", "audience of the token")
	hint := fs.String("hint", "", "the identity with this hint")
	parse(fs, args)
	if *audience == "" {
		return errors.New("--audience is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svids, err := workloadapi.FetchJWTSVIDs(ctx, jwtsvid.Params{Audience: *audience})
	if err != nil {
		return err
	}
	for _, s := range svids {
		if *hint == "" || s.Hint == *hint {
			fmt.Println(s.Marshal())
			return nil
		}
	}
	return fmt.Errorf("no JWT-SVID with hint %q among %d", *hint, len(svids))
}

func runJWTValidate(args []string) error {
	fs := flag.NewFlagSet("jwt-validate", flag.ExitOnError)
	audience := fs.String("audience", "", "the audience this validator is")
	token := fs.String("token", "", "the JWT-SVID")
	parse(fs, args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bundles, err := workloadapi.FetchJWTBundles(ctx)
	if err != nil {
		return err
	}
	svid, err := jwtsvid.ParseAndValidate(strings.TrimSpace(*token), bundles, []string{*audience})
	if err != nil {
		return err
	}
	fmt.Println(svid.ID.String())
	return nil
}

func runBenchFirstSVID(args []string) error {
	fs := flag.NewFlagSet("bench-first-svid", flag.ExitOnError)
	hint := fs.String("hint", "", "wait for the X509-SVID with this hint")
	parse(fs, args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	source, err := x509Source(ctx, *hint)
	if err != nil {
		return err
	}
	svid, _ := source.GetX509SVID()
	ms := float64(time.Since(started).Microseconds()) / 1000
	source.Close()
	line, _ := json.Marshal(map[string]any{"ms": ms, "id": svid.ID.String()})
	fmt.Println(string(line))
	return nil
}
