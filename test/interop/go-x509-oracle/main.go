// Command go-x509-oracle is the Go side of spiffe-kit's differential certificate tests
// (test/x509-go-oracle.test.ts): it tells what Go's crypto/x509 and go-spiffe make of a chain.
//
// It reads one JSON case per line on stdin:
//
//	{"chain":["<base64 DER>",...],"bundle":["<base64 DER>",...],"td":"example.org","now":<unix ms>}
//
// and writes one JSON line per case on stdout, in the same order:
//
//	{"parse":["" or "<x509.ParseCertificate error>",...],   one per chain certificate
//	 "bundleParse":["" or "<error>",...],                    one per bundle certificate
//	 "verify":"" or "<error>",                               x509svid.Verify over the parsed chain
//	 "id":"<SPIFFE ID when verified>"}
//
// Verify runs only when every certificate (chain and bundle) parsed; otherwise "verify" names the
// first parse failure. GODEBUG is left alone, so Go's defaults apply (negative serials refused).
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

type input struct {
	Chain  []string `json:"chain"`
	Bundle []string `json:"bundle"`
	TD     string   `json:"td"`
	Now    int64    `json:"now"`
}

type output struct {
	Parse       []string `json:"parse"`
	BundleParse []string `json:"bundleParse"`
	Verify      string   `json:"verify"`
	ID          string   `json:"id"`
}

func parseAll(b64s []string) ([]*x509.Certificate, []string, string) {
	certs := make([]*x509.Certificate, 0, len(b64s))
	errs := make([]string, len(b64s))
	first := ""
	for i, s := range b64s {
		der, err := base64.StdEncoding.DecodeString(s)
		if err == nil {
			var cert *x509.Certificate
			cert, err = x509.ParseCertificate(der)
			if err == nil {
				certs = append(certs, cert)
				continue
			}
		}
		errs[i] = err.Error()
		if first == "" {
			first = fmt.Sprintf("certificate #%d: %s", i, err)
		}
	}
	return certs, errs, first
}

func run(in input) output {
	chain, parseErrs, chainErr := parseAll(in.Chain)
	anchors, bundleErrs, bundleErr := parseAll(in.Bundle)
	out := output{Parse: parseErrs, BundleParse: bundleErrs}
	switch {
	case chainErr != "":
		out.Verify = "chain: " + chainErr
		return out
	case bundleErr != "":
		out.Verify = "bundle: " + bundleErr
		return out
	}
	td, err := spiffeid.TrustDomainFromString(in.TD)
	if err != nil {
		out.Verify = err.Error()
		return out
	}
	bundle := x509bundle.FromX509Authorities(td, anchors)
	now := time.UnixMilli(in.Now)
	id, _, err := x509svid.Verify(chain, bundle, x509svid.WithTime(now))
	if err != nil {
		out.Verify = err.Error()
		return out
	}
	out.ID = id.String()
	return out
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 0, 1<<20), 64<<20)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	for scanner.Scan() {
		var in input
		if err := json.Unmarshal(scanner.Bytes(), &in); err != nil {
			fmt.Fprintf(os.Stderr, "go-x509-oracle: bad input line: %v\n", err)
			os.Exit(2)
		}
		if err := enc.Encode(run(in)); err != nil {
			fmt.Fprintf(os.Stderr, "go-x509-oracle: %v\n", err)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "go-x509-oracle: reading stdin: %v\n", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "go-x509-oracle: %v\n", err)
		os.Exit(1)
	}
}
