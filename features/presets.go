package features

import (
	"fmt"
	"maps"
	"slices"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// The categorical columns of NSL-KDD (and KDD Cup 1999), in file order.
var nslCategorical = []string{"protocol_type", "service", "flag"}

// Reference returns the steps of the scikit-learn reference encoding
// (docs/reference): every numeric column as it is, in schema order,
// then one-hot protocol_type, service and flag, one output per training
// level, levels sorted, an unknown level all zeros, outputs named
// "column=level" (pandas get_dummies reindexed to the training columns).
// Fitted on KDDTrain+_20Percent it gives 118 outputs, on KDDTrain+ 122.
func Reference() []Step {
	s := []Step{Drop(nil)}
	for _, c := range nslCategorical {
		s = append(s, OneHot(c, OneHotConfig{}))
	}
	return s
}

// Standard returns Reference with standard scaling of every numeric column
// (scikit-learn's StandardScaler): "plain one-hot + scaling".
func Standard() []Step {
	s := Reference()
	s[0] = Drop(nil, Standardize)
	return s
}

// TrafficClasses maps each NSL-KDD / KDD Cup 1999 service to the traffic
// class a telecom security team reasons with, in the spirit of a 5G core's
// control-plane / user-plane split:
//
//   - "signalling": control-plane traffic that carries no user data but
//     steers the network (ICMP messages, routing, RPC binding, NetBIOS
//     session and datagram set-up, ident, echo/discard, ISO transport);
//   - "web": user-plane web traffic (HTTP on every port, gopher, Z39.50);
//   - "file_transfer": FTP, TFTP, UUCP, printing;
//   - "mail": SMTP, POP, IMAP, NNTP (mail and news);
//   - "remote_access": interactive and management access (telnet, ssh,
//     rlogin, rsh, rexec, X11, finger, systat, netstat, …);
//   - "name_time": name, directory and time services (DNS, NetBIOS names,
//     LDAP, whois, NTP, time, daytime);
//   - "other": everything else (private ports, "other", IRC, SQL*Net, …),
//     and any service missing from the map.
//
// The map is a fresh copy; callers may change it.
func TrafficClasses() map[string]string {
	m := map[string]string{}
	for class, services := range map[string][]string{
		"signalling":    {"eco_i", "ecr_i", "tim_i", "urp_i", "red_i", "urh_i", "oth_i", "bgp", "sunrpc", "netbios_dgm", "netbios_ssn", "auth", "echo", "discard", "iso_tsap", "mtp", "csnet_ns", "ctf", "link", "efs", "vmnet", "pm_dump", "courier", "remote_job", "rje"},
		"web":           {"http", "http_443", "http_8001", "http_2784", "gopher", "Z39_50", "harvest"},
		"file_transfer": {"ftp", "ftp_data", "tftp_u", "uucp", "uucp_path", "printer"},
		"mail":          {"smtp", "pop_2", "pop_3", "imap4", "nntp", "nnsp"},
		"remote_access": {"telnet", "ssh", "login", "klogin", "kshell", "shell", "exec", "X11", "supdup", "finger", "systat", "netstat"},
		"name_time":     {"domain", "domain_u", "netbios_ns", "hostnames", "name", "ldap", "whois", "ntp_u", "time", "daytime"},
	} {
		for _, s := range services {
			m[s] = class
		}
	}
	return m
}

// heavyTailed are the NSL-KDD counts and volumes whose distributions span
// orders of magnitude; Telecom takes their log1p before scaling.
var heavyTailed = []string{
	"duration", "src_bytes", "dst_bytes", "wrong_fragment", "urgent", "hot",
	"num_failed_logins", "num_compromised", "num_root", "num_file_creations",
	"num_shells", "num_access_files", "count", "srv_count", "dst_host_count",
	"dst_host_srv_count",
}

// Telecom returns the steps of the telecom preset for NSL-KDD-shaped data:
//
//   - the heavy-tailed counts and byte volumes as log1p(column), standardised
//     (Log1p then Standardize: a flood of 10⁶ bytes and one of 10⁷ differ by
//     a step, not by a factor that flattens everything else);
//   - every other numeric column (rates, flags) standardised;
//   - log(upload_download_ratio): log((src_bytes+1)/(dst_bytes+1)), the
//     asymmetry of a connection (exfiltration and uploads > 0, downloads and
//     floods answered by nothing ≈ 0 or < 0);
//   - syn_error_rate and rej_error_rate: the means of the four SYN-error
//     (S0/S1/S2/S3) and the four REJ-error rates over the connection's host
//     and service windows, the half-open (SYN flood) and refused (scan)
//     signatures in one number each;
//   - log(service_concentration): log((srv_count+1)/(count+1)), how much of
//     the two-second burst to this host goes to this service (≈ 0 for a
//     flood on one service, strongly negative for a scan over many), and
//     log(dst_host_service_concentration), the same over the last 100
//     connections to the host (dst_host_srv_count vs dst_host_count);
//   - traffic_class=…: the service's traffic class (TrafficClasses);
//   - one-hot protocol_type, flag and service, with services seen fewer than
//     10 times in training and unknown services in the "(other)" bucket, so
//     that a new service is still encoded.
//
// The features were chosen by reasoning about the attacks (Tavallaee et al.
// 2009 describe the NSL-KDD columns; the SYN/REJ rates and host windows are
// Lee and Stolfo's 2000 traffic features), not tuned on the test sets.
func Telecom() []Step {
	s := []Step{
		Select(heavyTailed, Log1p, Standardize),
		Drop(heavyTailed, Standardize),
		Ratio("src_bytes", "dst_bytes", 1, Log, Standardize).As("upload_download_ratio"),
		Mean("syn_error_rate", []string{"serror_rate", "srv_serror_rate", "dst_host_serror_rate", "dst_host_srv_serror_rate"}, Standardize),
		Mean("rej_error_rate", []string{"rerror_rate", "srv_rerror_rate", "dst_host_rerror_rate", "dst_host_srv_rerror_rate"}, Standardize),
		Ratio("srv_count", "count", 1, Log, Standardize).As("service_concentration"),
		Ratio("dst_host_srv_count", "dst_host_count", 1, Log, Standardize).As("dst_host_service_concentration"),
		OneHot("service", OneHotConfig{Map: TrafficClasses(), Default: "other"}).As("traffic_class"),
		OneHot("protocol_type", OneHotConfig{Unknown: UnknownOther}),
		OneHot("flag", OneHotConfig{Unknown: UnknownOther}),
		OneHot("service", OneHotConfig{Unknown: UnknownOther, MinCount: 10}),
	}
	return s
}

// CategoricalCodes returns the steps that feed a model trained on raw
// columns with categorical features as codes (XGBoost with
// enable_categorical): one step per column of schema, in schema order,
// each output named after its column, numeric columns as they are (NaN kept,
// for the model's default direction) and each categorical column through
// Codes with its list codes[column]. codes has the type of
// xgboost.CategoryCodes (pass one directly) or of the
// categorical_categories.json the XGBoost fixtures come with. A
// categorical column without a code list, or a code list naming a column
// that is not a categorical column of schema, is an error wrapping
// ErrDimension.
func CategoricalCodes(schema dataset.Schema, codes map[string]map[string]int) ([]Step, error) {
	steps := make([]Step, 0, len(schema.Columns))
	for _, c := range schema.Columns {
		if c.Kind != dataset.Categorical {
			steps = append(steps, Numeric(c.Name).KeepNaN())
			continue
		}
		m, ok := codes[c.Name]
		if !ok {
			return nil, fmt.Errorf("features: categorical column %q has no code list: %w", c.Name, errs.ErrDimension)
		}
		steps = append(steps, Codes(c.Name, m))
	}
	for _, col := range slices.Sorted(maps.Keys(codes)) {
		if j := schema.Index(col); j < 0 || schema.Columns[j].Kind != dataset.Categorical {
			return nil, fmt.Errorf("features: code list for %q, which is not a categorical column of the schema: %w", col, errs.ErrDimension)
		}
	}
	return steps, nil
}
