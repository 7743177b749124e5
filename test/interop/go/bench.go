package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
)

// handshakePair is one way of doing mTLS, as a server config and a client config.
type handshakePair struct {
	server, client *tls.Config
}

// plainPair is crypto/tls configured by hand with the source's current SVID and bundle: the
// server verifies client chains against the bundle (RequireAndVerifyClientCert); the client
// verifies the server's chain against the bundle without a hostname (an X509-SVID has none), the
// usual crypto/tls way: InsecureSkipVerify plus a VerifyConnection that runs x509 verification.
func plainPair(cert tls.Certificate, roots *x509.CertPool) handshakePair {
	return handshakePair{
		server: &tls.Config{
			Certificates:           []tls.Certificate{cert},
			ClientAuth:             tls.RequireAndVerifyClientCert,
			ClientCAs:              roots,
			SessionTicketsDisabled: true,
		},
		client: &tls.Config{
			Certificates:       []tls.Certificate{cert},
			InsecureSkipVerify: true, // hostname: none; the chain is verified below
			VerifyConnection: func(cs tls.ConnectionState) error {
				inter := x509.NewCertPool()
				for _, c := range cs.PeerCertificates[1:] {
					inter.AddCert(c)
				}
				_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
				return err
			},
		},
	}
}

type benchBlock struct {
	WallMs float64 `json:"wallMs"`
	CPUMs  float64 `json:"cpuMs"`
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serve accepts connections, completes the handshake, writes one byte and closes.
func serve(ln net.Listener, cfg *tls.Config) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			tc := tls.Server(c, cfg)
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err != nil {
				return
			}
			_, _ = tc.Write([]byte("k"))
		}()
	}
}

// handshake dials, completes an mTLS handshake and reads the server's byte (the server's
// verification and authorization ran).
func handshake(addr string, cfg *tls.Config) error {
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return err
	}
	return nil
}

func runBlock(addr string, cfg *tls.Config, n, concurrency int) (benchBlock, error) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	c0 := cpuNow()
	t0 := time.Now()
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := handshake(addr, cfg); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	cpu := cpuNow() - c0
	return benchBlock{WallMs: float64(wall.Microseconds()) / 1000, CPUMs: float64(cpu.Microseconds()) / 1000}, firstErr
}

func runBenchHandshake(args []string) error {
	fs := flag.NewFlagSet("bench-handshake", flag.ExitOnError)
	hint := fs.String("hint", "", "use the X509-SVID with this hint (both sides)")
	rounds := fs.Int("rounds", 15, "interleaved rounds")
	block := fs.Int("block", 200, "handshakes per contender per round")
	concurrency := fs.Int("concurrency", 4, "handshakes in flight")
	offset := fs.Int("offset", 0, "round number of the first round (odd rounds run spiffe first)")
	parse(fs, args)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	source, err := x509Source(ctx, *hint)
	if err != nil {
		return err
	}
	defer source.Close()
	svid, _ := source.GetX509SVID()
	bundle, err := source.GetX509BundleForTrustDomain(svid.ID.TrustDomain())
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := svid.Marshal()
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	for _, a := range bundle.X509Authorities() {
		roots.AddCert(a)
	}
	plain := plainPair(cert, roots)
	authz := tlsconfig.AuthorizeID(svid.ID)
	spiffe := handshakePair{
		server: tlsconfig.MTLSServerConfig(source, source, authz),
		client: tlsconfig.MTLSClientConfig(source, source, authz),
	}
	spiffe.server.SessionTicketsDisabled = true

	addrs := map[string]string{}
	for name, p := range map[string]handshakePair{"plain": plain, "spiffe": spiffe} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		go serve(ln, p.server)
		addrs[name] = ln.Addr().String()
	}
	// Sanity, then a warm-up block each.
	for _, name := range []string{"plain", "spiffe"} {
		cfg := plain.client
		if name == "spiffe" {
			cfg = spiffe.client
		}
		if err := handshake(addrs[name], cfg); err != nil {
			return fmt.Errorf("%s handshake: %w", name, err)
		}
		if _, err := runBlock(addrs[name], cfg, *block, *concurrency); err != nil {
			return fmt.Errorf("%s warm-up: %w", name, err)
		}
	}
	out := struct {
		ID          string       `json:"id"`
		TLSVersion  string       `json:"tlsVersion"`
		Block       int          `json:"block"`
		Concurrency int          `json:"concurrency"`
		Plain       []benchBlock `json:"plain"`
		Spiffe      []benchBlock `json:"spiffe"`
	}{ID: svid.ID.String(), Block: *block, Concurrency: *concurrency}
	// Which TLS version was negotiated.
	if c, err := tls.Dial("tcp", addrs["spiffe"], spiffe.client); err == nil {
		out.TLSVersion = tls.VersionName(c.ConnectionState().Version)
		c.Close()
	}
	for r := 0; r < *rounds; r++ {
		order := []string{"plain", "spiffe"}
		if (r+*offset)%2 == 1 {
			order = []string{"spiffe", "plain"}
		}
		for _, name := range order {
			cfg := plain.client
			if name == "spiffe" {
				cfg = spiffe.client
			}
			b, err := runBlock(addrs[name], cfg, *block, *concurrency)
			if err != nil {
				return fmt.Errorf("%s round %d: %w", name, r, err)
			}
			if name == "plain" {
				out.Plain = append(out.Plain, b)
			} else {
				out.Spiffe = append(out.Spiffe, b)
			}
		}
	}
	if len(out.Plain) == 0 {
		return errors.New("no rounds")
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
	return nil
}
