// The upstream oracle of the registrar tests: the code Kubernetes and spire-controller-manager
// run, asked about what the registrar renders and validates.
//
//	oracle yaml FILE...   each YAML document of each file, read with sigs.k8s.io/yaml's go-yaml v2
//	                      (what Kubernetes uses), as the kind of every scalar key and value
//	oracle template       (stdin JSON) each template parsed and executed as
//	                      spire-controller-manager does (api/v1alpha1/clusterspiffeid_webhook.go,
//	                      pkg/spireentry/entries.go), with that data shape
//	oracle labels         (stdin JSON) each label selector through metav1.LabelSelectorAsSelector
//	oracle dns            (stdin JSON) each DNS name through SPIRE v1.15.3's x509util.ValidateLabel
//	oracle entry-proto    (stdin JSON) Entry API messages encoded / decoded with SPIRE's Go types
//	                      (entryproto.go)
//
// Output is JSON on stdout.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/spire/pkg/common/x509util"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	yaml2 "sigs.k8s.io/yaml/goyaml.v2"
)

type scalar struct {
	Path  string `json:"path"`
	Role  string `json:"role"`
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func kindOf(v interface{}) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case int, int64, uint64:
		return "int"
	case float64:
		return "float"
	case time.Time:
		return "timestamp"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func walk(v interface{}, path string, out *[]scalar) {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		keys := make([]string, 0, len(t))
		byName := map[string]interface{}{}
		for k := range t {
			name := fmt.Sprint(k)
			keys = append(keys, name)
			byName[name] = k
		}
		sort.Strings(keys)
		for _, name := range keys {
			k := byName[name]
			p := path + "." + name
			*out = append(*out, scalar{Path: p, Role: "key", Kind: kindOf(k), Value: name})
			walk(t[k], p, out)
		}
	case []interface{}:
		for i, x := range t {
			walk(x, fmt.Sprintf("%s[%d]", path, i), out)
		}
	default:
		*out = append(*out, scalar{Path: path, Role: "value", Kind: kindOf(v), Value: fmt.Sprint(v)})
	}
}

type yamlFile struct {
	File  string     `json:"file"`
	Docs  [][]scalar `json:"docs"`
	Error string     `json:"error,omitempty"`
}

func yamlCmd(files []string) []yamlFile {
	out := []yamlFile{}
	for _, f := range files {
		r := yamlFile{File: f, Docs: [][]scalar{}}
		data, err := os.ReadFile(f)
		if err != nil {
			r.Error = err.Error()
			out = append(out, r)
			continue
		}
		dec := yaml2.NewDecoder(bytes.NewReader(data))
		for {
			var v interface{}
			err := dec.Decode(&v)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Error = err.Error()
				break
			}
			if v == nil {
				continue
			}
			doc := []scalar{}
			walk(v, "$", &doc)
			r.Docs = append(r.Docs, doc)
		}
		out = append(out, r)
	}
	return out
}

// templateData is pkg/spireentry/entries.go's templateData.
type templateData struct {
	TrustDomain   string
	ClusterName   string
	ClusterDomain string
	PodMeta       *metav1.ObjectMeta
	PodSpec       *corev1.PodSpec
	NodeMeta      *metav1.ObjectMeta
	NodeSpec      *corev1.NodeSpec
}

type templateCase struct {
	Kind string `json:"kind"` // spiffeID | dnsName | selector
	Text string `json:"text"`
}

type templateInput struct {
	TrustDomain   string         `json:"trustDomain"`
	ClusterName   string         `json:"clusterName"`
	ClusterDomain string         `json:"clusterDomain"`
	Cases         []templateCase `json:"cases"`
}

type templateResult struct {
	Parsed bool   `json:"parsed"`
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
	// Rendered is true when the controller would produce an entry field from it.
	Rendered bool `json:"rendered"`
}

func sampleData(in templateInput) *templateData {
	return &templateData{
		TrustDomain:   in.TrustDomain,
		ClusterName:   in.ClusterName,
		ClusterDomain: in.ClusterDomain,
		PodMeta: &metav1.ObjectMeta{
			Name: "web-0", Namespace: "shop", UID: types.UID("0f3c9d1e-8b1a-4f6e-9c1d-2a3b4c5d6e7f"),
			Labels: map[string]string{"app": "web", "app.kubernetes.io/name": "web"}, Annotations: map[string]string{"team": "payments"},
		},
		PodSpec: &corev1.PodSpec{
			ServiceAccountName: "web", NodeName: "node-1", Hostname: "web-0", Subdomain: "web",
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/web:1.0"}},
		},
		NodeMeta: &metav1.ObjectMeta{Name: "node-1", UID: types.UID("7e6d5c4b-3a2f-4e1d-8c9b-0a1f2e3d4c5b"), Labels: map[string]string{"topology.kubernetes.io/zone": "z1"}},
		NodeSpec: &corev1.NodeSpec{ProviderID: "aws:///z1/i-0123"},
	}
}

func templateCmd(in templateInput) []templateResult {
	names := map[string]string{"spiffeID": "spiffeIDTemplate", "dnsName": "dnsNameTemplate", "selector": "workloadSelectorTemplate"}
	td, tdErr := spiffeid.TrustDomainFromString(in.TrustDomain)
	data := sampleData(in)
	out := []templateResult{}
	for _, c := range in.Cases {
		r := templateResult{}
		tmpl, err := template.New(names[c.Kind]).Parse(c.Text)
		if err != nil {
			r.Error = err.Error()
			out = append(out, r)
			continue
		}
		r.Parsed = true
		buf := new(bytes.Buffer)
		if err := tmpl.Execute(buf, data); err != nil {
			r.Error = "failed to execute template: " + err.Error()
			out = append(out, r)
			continue
		}
		r.Output = buf.String()
		switch c.Kind {
		case "spiffeID":
			id, err := spiffeid.FromString(r.Output)
			switch {
			case err != nil:
				r.Error = "invalid SPIFFE ID: " + err.Error()
			case tdErr != nil:
				r.Error = tdErr.Error()
			case id.TrustDomain() != td:
				r.Error = fmt.Sprintf("invalid SPIFFE ID: expected trust domain %q but got %q", td, id.TrustDomain())
			default:
				r.Rendered = true
			}
		case "selector":
			parts := strings.SplitN(r.Output, ":", 2)
			switch {
			case len(parts) == 1:
				r.Error = "expected at least one colon separate the type from the value"
			case len(parts[0]) == 0:
				r.Error = "type cannot be empty"
			case len(parts[1]) == 0:
				r.Error = "value cannot be empty"
			default:
				r.Rendered = true
			}
		default:
			r.Rendered = true
		}
		out = append(out, r)
	}
	return out
}

type labelsResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func labelsCmd(in []json.RawMessage) []labelsResult {
	out := []labelsResult{}
	for _, raw := range in {
		var sel metav1.LabelSelector
		if err := json.Unmarshal(raw, &sel); err != nil {
			out = append(out, labelsResult{Error: "json: " + err.Error()})
			continue
		}
		if _, err := metav1.LabelSelectorAsSelector(&sel); err != nil {
			out = append(out, labelsResult{Error: err.Error()})
			continue
		}
		out = append(out, labelsResult{OK: true})
	}
	return out
}

type dnsResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// dnsCmd runs SPIRE's own check of an entry's DNS names (pkg/common/x509util/dns.go, called by
// pkg/server/api/entry.go).
func dnsCmd(in []string) []dnsResult {
	out := []dnsResult{}
	for _, name := range in {
		if err := x509util.ValidateLabel(name); err != nil {
			out = append(out, dnsResult{Error: err.Error()})
		} else {
			out = append(out, dnsResult{OK: true})
		}
	}
	return out
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle yaml FILE... | template | labels")
		os.Exit(2)
	}
	var result interface{}
	switch os.Args[1] {
	case "yaml":
		result = yamlCmd(os.Args[2:])
	case "template":
		var in templateInput
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		result = templateCmd(in)
	case "dns":
		var in []string
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		result = dnsCmd(in)
	case "entry-proto":
		var in []entryProtoInput
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		result = entryProtoCmd(in)
	case "labels":
		var in []json.RawMessage
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		result = labelsCmd(in)
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[1])
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
