// Package anomaly holds netwarden's common contract (Detector, Explainer),
// the sentinel errors, thresholds, metrics and the business-impact report.
package anomaly
