/**
 * Direct socket I/O for client connections: reads and writes at the level of the socket's libuv handle, under
 * Node's stream layer.
 *
 * Why: with one small request and one small reply per round trip, the stream machinery around each read and write
 * (Readable.push/emit/maybeReadMore, Writable.write/onwrite/afterWrite, two or three nextTicks) costs more user CPU
 * than parsing, executing and encoding the command itself. Measured on a bare RESP server, going to the handle cuts
 * user CPU per request by ~30%; in Tandem it is most of what separates -P 1 throughput from Redis'.
 *
 * How: the handle's `onread` callback is replaced for data (EOF and errors are passed to Node's own handler, so the
 * socket ends and closes exactly as before), and replies are written with the handle's writeBuffer and a WriteWrap
 * request, as net.Socket does internally. Writes that complete at once (the common case) cost nothing more; the
 * others keep their buffer alive until libuv reports completion, and their bytes are counted in `pending` (output
 * limits and CLIENT LIST read it). Everything else (end, destroy, 'close', replication's own stream writes) still goes
 * through the net.Socket: libuv keeps one write queue per handle, so the order of bytes is preserved.
 *
 * This uses Node's internal stream_wrap binding (stable across Node 12..22). When it is missing or shaped differently,
 * or TANDEM_STREAM_IO=1 is set, attach() returns null and the caller uses the ordinary stream API.
 */
import type { Socket } from 'node:net';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  io: DirectIO | null;
}

interface StreamHandle {
  onread: (this: StreamHandle, ab: ArrayBuffer | undefined) => unknown;
  writeBuffer(req: WriteReq, data: Buffer): number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kLastWriteWasAsync: number;
}

function loadBinding(): StreamWrapBinding | null {
  if (process.env.TANDEM_STREAM_IO === '1') return null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (
      typeof b.WriteWrap === 'function' &&
      b.streamBaseState instanceof Int32Array &&
      typeof b.kReadBytesOrError === 'number' &&
      typeof b.kArrayBufferOffset === 'number' &&
      typeof b.kLastWriteWasAsync === 'number'
    ) {
      return b as StreamWrapBinding;
    }
  } catch {
    // not available in this Node build: the stream API is used instead
  }
  return null;
}

const binding = loadBinding();

function onWriteDone(this: WriteReq, status: number): void {
  const io = this.io;
  const buf = this.buffer;
  this.io = null;
  this.buffer = null;
  if (io === null) return;
  if (buf !== null) io.pending -= buf.length;
  if (status < 0) io.socket.destroy();
}

export class DirectIO {
  /** bytes accepted by libuv but not yet written to the kernel */
  pending = 0;

  private constructor(
    readonly socket: Socket,
    private readonly b: StreamWrapBinding,
  ) {}

  /**
   * Takes over the reading of `socket`: `onData` gets each chunk (a view of a buffer Node allocated for that read
   * alone, so it may be kept). Returns null when direct I/O is unavailable.
   */
  static attach(socket: Socket, onData: (chunk: Buffer) => void): DirectIO | null {
    const b = binding;
    const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
    if (b === null || handle === null || typeof handle.writeBuffer !== 'function') return null;
    const nodeOnRead = handle.onread;
    if (typeof nodeOnRead !== 'function') return null;
    const state = b.streamBaseState;
    const kBytes = b.kReadBytesOrError;
    const kOffset = b.kArrayBufferOffset;
    handle.onread = function onread(this: StreamHandle, ab: ArrayBuffer | undefined) {
      const nread = state[kBytes];
      // EOF and read errors: Node's own handler ends/destroys the socket and emits 'end'/'close' as usual
      if (nread <= 0 || ab === undefined) return nodeOnRead.call(this, ab);
      onData(Buffer.from(ab, state[kOffset], nread));
    };
    return new DirectIO(socket, b);
  }

  /** Writes `data` (which must not be modified afterwards). */
  write(data: Buffer): void {
    const handle = (this.socket as unknown as { _handle: StreamHandle | null })._handle;
    if (handle === null) return; // closed: nothing can be delivered any more
    const req = new this.b.WriteWrap();
    req.handle = handle;
    req.oncomplete = onWriteDone;
    req.async = false;
    req.bytes = 0;
    req.buffer = null;
    req.io = null;
    const err = handle.writeBuffer(req, data);
    if (err !== 0) {
      this.socket.destroy();
      return;
    }
    if (this.b.streamBaseState[this.b.kLastWriteWasAsync] !== 0) {
      // libuv holds on to the bytes until the kernel takes them: keep the buffer alive and count it
      req.buffer = data;
      req.io = this;
      this.pending += data.length;
    }
  }
}
