/** A node of the backlog: the list's links live on the queued item itself. */
export interface BacklogNode<T> {
  prev?: T | undefined;
  next?: T | undefined;
  /** True while the node is linked into a backlog. */
  queued?: boolean;
}

/**
 * FIFO of waiting jobs with O(1) push, shift and removal of any item.
 *
 * It exists because RxJS's `mergeMap` buffers overflow in an array it
 * shifts, which makes a burst of N jobs cost O(N²); the worker keeps its
 * backlog here and hands jobs to the stream only as slots free up. The links
 * are stored on the items (an intrusive list), so queuing allocates nothing.
 */
export class Backlog<T extends BacklogNode<T>> {
  private head?: T | undefined;
  private tail?: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    item.prev = this.tail;
    item.next = undefined;
    item.queued = true;
    if (this.tail) this.tail.next = item;
    else this.head = item;
    this.tail = item;
    this.count++;
  }

  shift(): T | undefined {
    const item = this.head;
    if (item) this.unlink(item);
    return item;
  }

  /** Removes `item` if it is queued here; tells whether it was. */
  remove(item: T): boolean {
    if (!item.queued) return false;
    this.unlink(item);
    return true;
  }

  private unlink(item: T): void {
    if (item.prev) item.prev.next = item.next;
    else this.head = item.next;
    if (item.next) item.next.prev = item.prev;
    else this.tail = item.prev;
    item.prev = item.next = undefined;
    item.queued = false;
    this.count--;
  }
}
