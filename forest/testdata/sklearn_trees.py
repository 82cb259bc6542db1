"""Writes sklearn_trees.json: small data sets and the trees scikit-learn's
DecisionTreeClassifier grows on them, node by node, for the CART check in
forest's tests (TestMatchesScikitLearnTree). Values are float32-representable
because scikit-learn casts X to float32. Cases have one feature, or large
leaves, so that no two features tie for the best split (scikit-learn breaks
such ties by its random feature order).

Run: /usr/bin/python3 sklearn_trees.py > sklearn_trees.json"""
import json, sys, numpy as np, sklearn
from sklearn.tree import DecisionTreeClassifier

rng = np.random.default_rng(7)
cases = []

def add(name, X, y, **kw):
    X = X.astype(np.float32).astype(np.float64)
    t = DecisionTreeClassifier(random_state=0, **kw).fit(X, y)
    tr = t.tree_
    val = tr.value[:, 0, :]
    val = val / val.sum(axis=1, keepdims=True)
    cases.append(dict(name=name, params=kw, X=X.tolist(), y=[int(v) for v in y],
        left=tr.children_left.tolist(), right=tr.children_right.tolist(),
        feature=tr.feature.tolist(), threshold=tr.threshold.tolist(),
        value=val.tolist(), cover=tr.weighted_n_node_samples.tolist(),
        importances=t.feature_importances_.tolist()))

# One continuous feature, three overlapping classes: a deep tree.
x = rng.normal(size=(300, 1))
y = (np.digitize(x[:, 0] + rng.normal(scale=0.6, size=300), [-0.5, 0.5])).astype(int)
add("one_feature_gini", x, y)
add("one_feature_entropy", x, y, criterion="entropy")
# Repeated values (integers) and a limited tree.
x = rng.integers(0, 12, size=(200, 1)).astype(float)
y = ((x[:, 0] + rng.integers(0, 5, size=200)) > 9).astype(int)
add("one_feature_ties", x, y, min_samples_leaf=4)
# Several features, big leaves so that no two features tie.
X = rng.normal(size=(500, 6))
y = ((X[:, 0] + 0.5 * X[:, 1] ** 2 - X[:, 2] + rng.normal(scale=0.5, size=500)) > 0.3).astype(int)
add("six_features_depth4", X, y, max_depth=4, min_samples_leaf=20)
add("six_features_entropy", X, y, criterion="entropy", max_depth=3, min_samples_split=60)
# Imbalanced classes with balanced weights.
y3 = np.where(X[:, 3] > 1.2, 2, np.where(X[:, 4] + X[:, 0] > 0.8, 1, 0))
add("balanced_three_classes", X, y3, class_weight="balanced", max_depth=4, min_samples_leaf=15)
json.dump(dict(sklearn=sklearn.__version__, cases=cases), sys.stdout)
