package main

import (
	"fmt"
	"sync"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
)

// explainers explains alerts on worker goroutines while the reader reads
// and scores on: scoring a row takes microseconds, an exact TreeSHAP
// explanation of a deep forest a millisecond or more, so a stream with many
// alerts is bound by its explanations, and they are independent. Output
// lines keep the input's order: each line to write takes a slot, in order,
// from a fixed set of slots (so memory does not grow with a burst of
// alerts: the reader waits for a free slot), and one writer goroutine writes
// the slots in that order as their explanations finish, flushing whenever
// nothing more is queued, so that a slow stream sees each alert at once.
type explainers struct {
	s     *scorer
	work  chan *slot // slots to explain
	order chan *slot // every slot, in input order
	free  chan *slot
	wg    sync.WaitGroup // the workers
	wdone chan struct{}  // closed when the writer has written everything

	mu  sync.Mutex
	err error // the first explanation error (-strict stops at it)
}

// slot is one output line on its way: a copy of the row (the reader reuses
// its own), its line, its score and, once ready, its explanation.
type slot struct {
	row     dataset.Row
	line    int
	res     bundle.Result
	explain bool
	top     []bundle.Contribution
	err     error
	ready   chan struct{}
	buf     []byte
}

// slotsPerWorker bounds the lines in flight: enough to keep every worker
// busy while the writer waits for the oldest.
const slotsPerWorker = 64

// startExplainers starts n workers and the writer.
func (s *scorer) startExplainers(n int) *explainers {
	e := &explainers{s: s, work: make(chan *slot, n*slotsPerWorker), order: make(chan *slot, n*slotsPerWorker),
		free: make(chan *slot, n*slotsPerWorker), wdone: make(chan struct{})}
	for range n * slotsPerWorker {
		e.free <- &slot{ready: make(chan struct{}, 1)}
	}
	for range n {
		e.wg.Add(1)
		go e.worker()
	}
	go e.writer()
	return e
}

// add queues the line of row (read at line, scored as res), explaining it
// first when explain is set. It waits while every slot is in flight.
func (e *explainers) add(row *dataset.Row, line int, res bundle.Result, explain bool) {
	sl := <-e.free
	sl.row.Num = append(sl.row.Num[:0], row.Num...)
	sl.row.Cat = append(sl.row.Cat[:0], row.Cat...)
	sl.row.Label, sl.row.Category, sl.row.Family = row.Label, row.Category, row.Family
	sl.row.Difficulty, sl.row.Line = row.Difficulty, row.Line
	sl.line, sl.res, sl.explain, sl.err = line, res, explain, nil
	e.order <- sl
	if explain {
		e.work <- sl
	} else {
		sl.ready <- struct{}{}
	}
}

// worker explains the slots it is given.
func (e *explainers) worker() {
	defer e.wg.Done()
	s := e.s
	for sl := range e.work {
		unseen := sl.res.Unseen
		res, err := s.b.ExplainScoredRowTo(&sl.row, s.cfg.Top, sl.top)
		if err != nil {
			sl.err = err
		} else {
			res.Unseen = unseen
			sl.res, sl.top = res, res.TopFeatures
		}
		sl.ready <- struct{}{}
	}
}

// writer writes the slots in input order as they become ready.
func (e *explainers) writer() {
	defer close(e.wdone)
	s := e.s
	for sl := range e.order {
		<-sl.ready
		if sl.err != nil {
			e.mu.Lock()
			if e.err == nil {
				e.err = fmt.Errorf("line %d: %w (-strict)", sl.line, sl.err)
			}
			e.mu.Unlock()
			s.badLine(sl.line, 0, "", sl.err.Error())
		} else {
			sl.buf = s.appendResult(sl.buf[:0], sl.line, &sl.row, sl.res)
			s.mu.Lock()
			_, _ = s.out.Write(sl.buf) // a write error shows at the final Flush
			if len(e.order) == 0 {
				_ = s.out.Flush()
			}
			s.mu.Unlock()
		}
		e.free <- sl
	}
}

// failed returns the first explanation error, if any.
func (e *explainers) failed() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// stop waits until every queued line is written and the goroutines end.
func (e *explainers) stop() {
	close(e.work)
	close(e.order)
	<-e.wdone
	e.wg.Wait()
}
