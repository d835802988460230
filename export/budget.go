package export

import "sync"

// budget bounds the bytes in flight in the pipeline. A request larger than
// the whole budget waits for an empty pipeline and then goes through alone.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int
	used int
}

func newBudget(max int) *budget {
	b := &budget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *budget) acquire(n int) {
	b.mu.Lock()
	for b.used > 0 && b.used+n > b.max {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
}

func (b *budget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.cond.Broadcast()
	b.mu.Unlock()
}
