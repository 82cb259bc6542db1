package forest

import "github.com/netwarden/netwarden/internal/tree"

// TreeForTest exposes tree i of f to the external tests.
func TreeForTest(f *Forest, i int) *tree.Tree { return &f.trees[i] }
