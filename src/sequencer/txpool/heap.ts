/** An item that knows its own slot in one `IndexedHeap` (-1 when in none). */
export interface HeapItem {
  heapIndex: number
}

/**
 * A binary min-heap (by `before`) whose items track their own position, so an item can
 * be removed or re-positioned after its key changed in O(log n) without a search.
 * An item may sit in at most one indexed heap at a time.
 */
export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = []

  /** `before(a, b)`: whether `a` belongs nearer the top than `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  has(item: T): boolean {
    const i = item.heapIndex
    return i >= 0 && i < this.items.length && this.items[i] === item
  }

  push(item: T): void {
    item.heapIndex = this.items.length
    this.items.push(item)
    this.up(item.heapIndex)
  }

  pop(): T | undefined {
    const top = this.items[0]
    if (top !== undefined) this.remove(top)
    return top
  }

  remove(item: T): void {
    if (!this.has(item)) return
    const i = item.heapIndex
    const last = this.items.pop()!
    item.heapIndex = -1
    if (last === item) return
    this.items[i] = last
    last.heapIndex = i
    this.fixAt(i)
  }

  /** Restores order after `item`'s key changed; pushes it when absent. */
  update(item: T): void {
    if (this.has(item)) this.fixAt(item.heapIndex)
    else this.push(item)
  }

  /** Re-sorts everything after a change that moves every key (e.g. a new base fee): O(n). */
  rebuild(): void {
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  values(): IterableIterator<T> {
    return this.items.values()
  }

  private fixAt(i: number): void {
    if (!this.up(i)) this.down(i)
  }

  private up(i: number): boolean {
    const items = this.items
    const item = items[i]!
    let moved = false
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = items[parent]!
      if (!this.before(item, p)) break
      items[i] = p
      p.heapIndex = i
      i = parent
      moved = true
    }
    items[i] = item
    item.heapIndex = i
    return moved
  }

  private down(i: number): void {
    const items = this.items
    const n = items.length
    const item = items[i]!
    for (;;) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      let child = left
      if (right < n && this.before(items[right]!, items[left]!)) child = right
      const c = items[child]!
      if (!this.before(c, item)) break
      items[i] = c
      c.heapIndex = i
      i = child
    }
    items[i] = item
    item.heapIndex = i
  }
}
