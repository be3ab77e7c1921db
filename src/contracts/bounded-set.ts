// Workflow-safe.

/** The last `capacity` items added, in the order they came: adding one more forgets the oldest. */
export class BoundedSet<T> {
  private readonly items: Set<T>;

  constructor(
    initial: Iterable<T>,
    private readonly capacity: number,
  ) {
    this.items = new Set([...initial].slice(-capacity));
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  add(item: T): void {
    this.items.add(item);
    while (this.items.size > this.capacity) this.items.delete(this.items.values().next().value as T);
  }

  delete(item: T): void {
    this.items.delete(item);
  }

  toArray(): T[] {
    return [...this.items];
  }
}
