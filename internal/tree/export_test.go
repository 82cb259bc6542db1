package tree

// Exported for the external tests and benchmarks of package tree_test,
// which read the XGBoost fixtures through forest/xgboost.
var (
	BenchModes  = benchModes
	RaceEnabled = raceEnabled
)
