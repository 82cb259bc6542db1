package nsltest_test

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/nsltest"
)

// TestEncodeMatchesReferenceColumns checks the stop-gap encoding against the
// column list XGBoost's fixtures were trained on (pandas get_dummies).
func TestEncodeMatchesReferenceColumns(t *testing.T) {
	train := nsltest.Load(t, nsltest.Train20)
	test := nsltest.Load(t, nsltest.Test)
	xtr, xte, names := nsltest.Encode(train, test)

	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "fixtures", "xgboost", "columns.txt"))
	if err != nil {
		t.Skipf("fixture columns.txt not found beside the clone: %v", err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			want = append(want, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, want, names)
	r, c := xtr.Dims()
	assert.Equal(t, [2]int{25192, 118}, [2]int{r, c})
	r, c = xte.Dims()
	assert.Equal(t, [2]int{22544, 118}, [2]int{r, c})
	// every row has exactly one protocol, one service (or none: unseen) and one flag
	for i := 0; i < r; i++ {
		var ones float64
		for j := 38; j < c; j++ {
			ones += xte.At(i, j)
		}
		assert.True(t, ones == 2 || ones == 3, "row %d has %v one-hot ones", i, ones)
	}
	y := nsltest.Binary(test)
	c5 := nsltest.Classes(test)
	for i := range y {
		assert.Equal(t, y[i] == 1, c5[i] != 0, "row %d", i)
		assert.GreaterOrEqual(t, c5[i], 0, "row %d", i)
	}
}
