// Counts the bytes of a backup file as it is copied, and reports them now and then, so
// the download step's progress can say how far the copy has come.
import { Transform, type Readable } from 'node:stream';

export function countingBytes(source: Readable, report: (bytesDone: number) => void, everyMs = 1000): Readable {
  let bytesDone = 0;
  let reportedAt = performance.now();
  // A transform, not a 'data' listener: the copy starts when the store reads, not before.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytesDone += chunk.length;
      if (performance.now() - reportedAt >= everyMs) {
        reportedAt = performance.now();
        report(bytesDone);
      }
      done(null, chunk);
    },
  });
  source.once('error', (error) => counter.destroy(error));
  return source.pipe(counter);
}
