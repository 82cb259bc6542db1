package xgboost

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// link is how XGBoost turns the stored base_score into a margin
// (ObjFunction::ProbToMargin).
type link uint8

const (
	linkIdentity link = iota
	linkLogit         // -log(1/p - 1), in float32
	linkLog           // log(p)
)

// transform is how XGBoost turns margins into predictions
// (ObjFunction::PredTransform).
type transform uint8

const (
	transIdentity transform = iota
	transSigmoid
	transExp
	transHinge    // 1 if margin > 0, else 0
	transSoftprob // softmax over the classes
	transSoftmax  // index of the largest margin
)

// objective describes one XGBoost objective as far as prediction goes.
type objective struct {
	link      link
	transform transform
	// probScore: the score is a probability of the positive class computed
	// from the margin with a sigmoid even though predict returns the margin
	// (binary:logitraw).
	probScore bool
}

// objectives lists every objective whose prediction transform this reader
// knows, from XGBoost's src/objective (1.7 to 3.1): the link applied to
// base_score and the transform of predict(). rank:* and reg:quantileerror
// predict the margin.
var objectives = map[string]objective{
	"binary:logistic":      {linkLogit, transSigmoid, false},
	"reg:logistic":         {linkLogit, transSigmoid, false},
	"binary:logitraw":      {linkIdentity, transIdentity, true},
	"binary:hinge":         {linkIdentity, transHinge, false},
	"multi:softprob":       {linkIdentity, transSoftprob, false},
	"multi:softmax":        {linkIdentity, transSoftmax, false},
	"reg:squarederror":     {linkIdentity, transIdentity, false},
	"reg:linear":           {linkIdentity, transIdentity, false},
	"reg:squaredlogerror":  {linkIdentity, transIdentity, false},
	"reg:pseudohubererror": {linkIdentity, transIdentity, false},
	"reg:absoluteerror":    {linkIdentity, transIdentity, false},
	"reg:quantileerror":    {linkIdentity, transIdentity, false},
	"count:poisson":        {linkLog, transExp, false},
	"reg:gamma":            {linkLog, transExp, false},
	"reg:tweedie":          {linkLog, transExp, false},
	"survival:cox":         {linkLog, transExp, false},
	"survival:aft":         {linkLog, transExp, false},
	"rank:pairwise":        {linkIdentity, transIdentity, false},
	"rank:ndcg":            {linkIdentity, transIdentity, false},
	"rank:map":             {linkIdentity, transIdentity, false},
}

func knownObjectives() string {
	names := make([]string, 0, len(objectives))
	for n := range objectives {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// toMargin applies the objective's link to a probability-space base score,
// in float32 as XGBoost does.
func (o objective) toMargin(name string, p float64) (float32, error) {
	f := float32(p)
	if math.IsNaN(p) || math.IsInf(float64(f), 0) {
		return 0, fmt.Errorf("xgboost: base_score %v is not finite: %w", p, errs.ErrFormat)
	}
	switch o.link {
	case linkLogit:
		if !(f > 0 && f < 1) {
			return 0, fmt.Errorf("xgboost: base_score %v outside (0, 1) for objective %s: %w", p, name, errs.ErrFormat)
		}
		return -float32(math.Log(float64(float32(1)/f - 1))), nil
	case linkLog:
		if !(f > 0) {
			return 0, fmt.Errorf("xgboost: base_score %v not positive for objective %s: %w", p, name, errs.ErrFormat)
		}
		return float32(math.Log(float64(f))), nil
	}
	return f, nil
}

// sigmoid is XGBoost's common::Sigmoid, in float32 with its overflow
// guard (the 1e-16 it adds to the denominator vanishes in float32).
func sigmoid(x float32) float32 {
	return 1 / (expf(min(-x, 88.7)) + 1)
}

// expf is exp in float32.
func expf(x float32) float32 { return float32(math.Exp(float64(x))) }
