package image

// lru is a least-recently-used cache of values with a cost, holding at
// most budget of cost (and always the last value added). It is not safe
// for concurrent use; the EWF reader holds its lock around it.
type lru[K comparable, V any] struct {
	budget  int
	used    int
	items   map[K]*lruNode[K, V]
	head    lruNode[K, V] // sentinel: head.next is the most recent
	onEvict func(V)
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	cost       int
	prev, next *lruNode[K, V]
}

func newLRU[K comparable, V any](budget int, onEvict func(V)) *lru[K, V] {
	c := &lru[K, V]{budget: budget, items: map[K]*lruNode[K, V]{}, onEvict: onEvict}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

func (c *lru[K, V]) get(k K) (V, bool) {
	n, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.val, true
}

func (c *lru[K, V]) add(k K, v V, cost int) {
	if n, ok := c.items[k]; ok {
		c.unlink(n)
		c.used -= n.cost
		delete(c.items, k)
	}
	n := &lruNode[K, V]{key: k, val: v, cost: cost}
	c.items[k] = n
	c.pushFront(n)
	c.used += cost
	for c.used > c.budget && c.head.prev != n {
		old := c.head.prev
		c.unlink(old)
		delete(c.items, old.key)
		c.used -= old.cost
		if c.onEvict != nil {
			c.onEvict(old.val)
		}
	}
}

func (c *lru[K, V]) len() int { return len(c.items) }

func (c *lru[K, V]) unlink(n *lruNode[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
}

func (c *lru[K, V]) pushFront(n *lruNode[K, V]) {
	n.prev, n.next = &c.head, c.head.next
	c.head.next.prev = n
	c.head.next = n
}
