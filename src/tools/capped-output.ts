/** Keeps the first and last `cap / 2` bytes of a stream and counts what fell in between. */
export class CappedOutput {
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private total = 0;

  constructor(private readonly cap: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const half = Math.floor(this.cap / 2);
    const room = half - this.head.length;
    if (room > 0) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, room)]);
      chunk = chunk.subarray(room);
    }
    if (chunk.length) this.tail = Buffer.concat([this.tail, chunk]).subarray(-half);
  }

  toString(): string {
    const cut = this.total - this.head.length - this.tail.length;
    if (cut <= 0) return Buffer.concat([this.head, this.tail]).toString('utf8');
    return `${this.head.toString('utf8')}\n[… ${cut} bytes of output cut; the first and last ${Math.floor(this.cap / 2)} bytes are shown …]\n${this.tail.toString('utf8')}`;
  }
}
