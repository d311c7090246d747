/**
 * How far an import reads ahead of the writer. Each commit holds the writing
 * thread (about 0.2 ms a report), and the worker threads stop once every file
 * handed to them is prepared: with 512 files ahead of batches of 1,024 they
 * stopped during each commit (the writer then waited for them in turn;
 * measured, 3,072 files ahead alone took 15 % off the import). So the
 * workers get many files ahead, bounded by the memory their results hold,
 * not by a count: a file with 10,000 policies holds a thousand times what a
 * usual report does.
 *
 * A file's size is known only once it is prepared, so the files still being
 * prepared are counted at the size of recent ones (the larger of the last
 * and a running average, so that a run of large files is seen at once), and
 * the first files are handed out a few at a time until sizes are known.
 */
export class ReadAhead {
  private inFlight = 0;
  private waiting = 0;
  private waitingBytes = 0;
  private seen = 0;
  private averageBytes = 0;
  private lastBytes = 0;

  constructor(
    private readonly maxFiles: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether one more file may be handed to the threads now. */
  hasRoom(): boolean {
    // One file at a time at least, however large: an import never stalls.
    if (this.inFlight + this.waiting === 0) return true;
    if (this.inFlight + this.waiting >= this.maxFiles) return false;
    // Sizes unknown yet: twice as many in flight as are known, and a few to start.
    if (this.inFlight >= FIRST_FILES + 2 * this.seen) return false;
    const expected = Math.max(this.averageBytes, this.lastBytes);
    return this.waitingBytes + (this.inFlight + 1) * expected <= this.maxBytes;
  }

  /** A file was handed to the threads. */
  started(): void {
    this.inFlight += 1;
  }

  /** A file handed out is prepared, holding about `bytes` until the writer takes it. */
  prepared(bytes: number): void {
    this.inFlight -= 1;
    this.waiting += 1;
    this.waitingBytes += bytes;
    this.seen += 1;
    this.lastBytes = bytes;
    // A running average over the last few dozen files.
    this.averageBytes += (bytes - this.averageBytes) / Math.min(this.seen, 32);
  }

  /** The writer took a prepared file (into its batch, bounded on its own). */
  taken(bytes: number): void {
    this.waiting -= 1;
    this.waitingBytes -= bytes;
  }

  /** Files handed out or prepared and not yet taken. */
  get files(): number {
    return this.inFlight + this.waiting;
  }

  /** What the prepared files not yet taken hold. */
  get bytes(): number {
    return this.waitingBytes;
  }
}

/** Files handed out before any is prepared. */
const FIRST_FILES = 8;
