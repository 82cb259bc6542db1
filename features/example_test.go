package features_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// flows builds a tiny table of flow records.
func flows() *dataset.Table {
	t := dataset.NewTable(dataset.Schema{Columns: []dataset.Column{
		{Name: "service", Kind: dataset.Categorical},
		{Name: "src_bytes", Kind: dataset.Numeric},
		{Name: "dst_bytes", Kind: dataset.Numeric},
	}})
	for _, r := range []struct {
		service  string
		src, dst float64
	}{{"http", 200, 5000}, {"smtp", 900, 300}, {"http", 300, 8000}, {"domain_u", 40, 90}} {
		_ = t.Append(&dataset.Row{Num: []float64{0, r.src, r.dst}, Cat: []string{r.service, "", ""}})
	}
	return t
}

func ExampleFit() {
	p, err := features.Fit(context.Background(), flows(),
		features.Numeric("src_bytes", features.Log1p),
		features.Ratio("src_bytes", "dst_bytes", 1, features.Log).As("upload_download"),
		features.OneHot("service", features.OneHotConfig{Unknown: features.UnknownOther}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, name := range p.Names() {
		fmt.Println(name, p.Sources(i))
	}
	// Output:
	// log1p(src_bytes) [src_bytes]
	// log(upload_download) [src_bytes dst_bytes]
	// service=domain_u [service]
	// service=http [service]
	// service=smtp [service]
	// service=(other) [service]
}

func ExamplePipeline_TransformRecord() {
	p, _ := features.Fit(context.Background(), flows(),
		features.Numeric("src_bytes", features.MinMax),
		features.OneHot("service", features.OneHotConfig{}),
	)
	dst := make([]float64, p.NumFeatures())
	err := p.TransformRecord(map[string]string{"service": "http", "src_bytes": "470", "dst_bytes": "1"}, dst)
	fmt.Println(dst, err)
	err = p.TransformRecord(map[string]string{"src_bytes": "470"}, dst)
	fmt.Println(errors.Is(err, anomaly.ErrDimension), err)
	// Output:
	// [0.5 0 1 0] <nil>
	// true features: record has no column "service": netwarden: wrong dimension
}

func ExamplePipeline_TransformRow() {
	t := flows()
	p, _ := features.Fit(context.Background(), t, features.Standard()[0])
	var r dataset.Row
	t.Row(0, &r)
	dst := make([]float64, p.NumFeatures())
	_ = p.TransformRow(&r, dst)
	fmt.Printf("%v %.3f\n", p.Names(), dst)
	// Output:
	// [src_bytes dst_bytes] [-0.492 0.497]
}

func ExamplePseudonymize() {
	t := dataset.NewTable(dataset.Schema{Columns: []dataset.Column{{Name: "imsi", Kind: dataset.Categorical}}})
	for _, id := range []string{"208150123456789", "208150987654321"} {
		_ = t.Append(&dataset.Row{Num: []float64{0}, Cat: []string{id}})
	}
	key := []byte("a secret the operator keeps, not the model file")
	p, _ := features.Fit(context.Background(), t, features.Pseudonymize("imsi", features.PseudonymConfig{Key: key, Buckets: 4}))
	fmt.Println(p.Names())

	saved, _ := p.MarshalBinary()
	var q features.Pipeline
	_ = q.UnmarshalBinary(saved)
	fmt.Println("needs key:", q.NeedsKey(), "wrong key:", q.SetKey([]byte("not the operator's key")) != nil, "right key:", q.SetKey(key))
	// Output:
	// [imsi#0 imsi#1 imsi#2 imsi#3]
	// needs key: true wrong key: true right key: <nil>
}

func ExamplePseudonymizer_Token() {
	p, _ := features.NewPseudonymizer([]byte("a secret the operator keeps"))
	fmt.Println(len(p.Token("192.0.2.7")), p.Token("192.0.2.7") == p.Token("192.0.2.7"))
	// Output:
	// 32 true
}

func ExampleTrafficClasses() {
	m := features.TrafficClasses()
	fmt.Println(m["http"], m["ecr_i"], m["ftp_data"], m["domain_u"], m["ssh"], m["pop_3"], m["private"] == "")
	// Output:
	// web signalling file_transfer name_time remote_access mail true
}

func ExamplePipeline_MarshalBinary() {
	p, _ := features.Fit(context.Background(), flows(),
		features.Drop(nil), features.OneHot("service", features.OneHotConfig{}))
	b, _ := p.MarshalBinary()
	var q features.Pipeline
	fmt.Println(q.UnmarshalBinary(b), q.Names())
	b[len(b)/2] ^= 1
	fmt.Println(errors.Is(q.UnmarshalBinary(b), anomaly.ErrChecksum))
	// Output:
	// <nil> [src_bytes dst_bytes service=domain_u service=http service=smtp]
	// true
}

func ExampleReference() {
	t := dataset.NewTable(dataset.Schema{Columns: []dataset.Column{
		{Name: "duration", Kind: dataset.Numeric},
		{Name: "protocol_type", Kind: dataset.Categorical},
		{Name: "service", Kind: dataset.Categorical},
		{Name: "flag", Kind: dataset.Categorical},
		{Name: "src_bytes", Kind: dataset.Numeric},
	}})
	_ = t.Append(&dataset.Row{Num: []float64{0, 0, 0, 0, 491}, Cat: []string{"", "tcp", "ftp_data", "SF", ""}})
	_ = t.Append(&dataset.Row{Num: []float64{0, 0, 0, 0, 146}, Cat: []string{"", "udp", "other", "SF", ""}})
	_ = t.Append(&dataset.Row{Num: []float64{2, 0, 0, 0, 0}, Cat: []string{"", "tcp", "private", "S0", ""}})
	p, _ := features.Fit(context.Background(), t, features.Reference()...)
	fmt.Println(p.Names())
	// Output:
	// [duration src_bytes protocol_type=tcp protocol_type=udp service=ftp_data service=other service=private flag=S0 flag=SF]
}

func ExampleTelecom() {
	for _, s := range features.Telecom() {
		fmt.Println(s.Kind, s.Name, len(s.Columns), s.Ops)
	}
	// Output:
	// numeric  16 [log1p standardize]
	// drop  16 [standardize]
	// ratio upload_download_ratio 2 [log standardize]
	// mean syn_error_rate 4 [standardize]
	// mean rej_error_rate 4 [standardize]
	// ratio service_concentration 2 [log standardize]
	// ratio dst_host_service_concentration 2 [log standardize]
	// onehot traffic_class 1 []
	// onehot  1 []
	// onehot  1 []
	// onehot  1 []
}

// ExampleCodes feeds a model trained on category codes (XGBoost's
// enable_categorical): the service becomes its code from the model's list,
// and a service the model never saw becomes NaN, which the model treats as
// missing.
func ExampleCodes() {
	p, err := features.Fit(context.Background(), flows(),
		features.Codes("service", map[string]int{"domain_u": 0, "http": 1, "smtp": 2}),
		features.Numeric("src_bytes"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Names())
	dst := make([]float64, p.NumFeatures())
	for _, service := range []string{"smtp", "http", "gopher"} {
		r := dataset.Row{Num: []float64{0, 120, 0}, Cat: []string{service, "", ""}}
		if err := p.TransformRow(&r, dst); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(service, dst)
	}
	// Output:
	// [service src_bytes]
	// smtp [2 120]
	// http [1 120]
	// gopher [NaN 120]
}

// ExampleCategoricalCodes builds the steps for a model trained on raw
// columns with categorical features: every column as it is, named after
// itself, and the categorical ones as codes.
func ExampleCategoricalCodes() {
	t := flows()
	steps, err := features.CategoricalCodes(t.Schema(), map[string]map[string]int{
		"service": {"domain_u": 0, "http": 1, "smtp": 2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := features.Fit(context.Background(), t, steps...)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := p.TransformTable(context.Background(), t)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Names())
	fmt.Println(m.RawRowView(3))
	// Output:
	// [service src_bytes dst_bytes]
	// [0 40 90]
}

// AllNumeric passes every numeric column through its ops; Drop(nil, …)
// says the same.
func ExampleAllNumeric() {
	p, err := features.Fit(context.Background(), flows(), features.AllNumeric(features.Log1p))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Names())
	// Output:
	// [log1p(src_bytes) log1p(dst_bytes)]
}
