import type * as NodeOs from 'node:os';
import type * as NodeWorkerThreads from 'node:worker_threads';
import { TASK_EXPORTS, type ThreadTask, type WasmKernels } from './wasm-kernels';

// The control block, one slot of SLOT_INTS int32 per worker in a SharedArrayBuffer:
//   [SEQ]   job number the caller posts (the worker waits on it; −1: exit)
//   [DONE]  job number the worker finished (the caller waits on it)
//   [READY] 1 once the worker has instantiated the module on the shared memory
//   [ERROR] 1 when the last job threw; the message is not carried (the caller reruns nothing)
//   [COUNT] tasks in the job, then per task [export index, argument count, arguments…]
const SEQ = 0;
const DONE = 1;
const READY = 2;
const ERROR = 3;
const COUNT = 4;
const TASKS = 5;
const SLOT_INTS = 1024;

/**
 * The worker's whole program, as source text (so that it needs no file of its own: Node runs it with
 * `eval: true`, a browser from a Blob URL). It instantiates the kernel module on the shared memory,
 * then forever: waits for a job number, runs the job's tasks (export calls with integer arguments),
 * publishes the number as done.
 */
const WORKER_SOURCE = `'use strict';
const EXPORTS = ${JSON.stringify(TASK_EXPORTS)};
const [SEQ, DONE, READY, ERROR, COUNT, TASKS, SLOT_INTS] = ${JSON.stringify([SEQ, DONE, READY, ERROR, COUNT, TASKS, SLOT_INTS])};
function start(data) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const fns = EXPORTS.map((name) => instance.exports[name]);
  const ctl = new Int32Array(data.control);
  const base = data.index * SLOT_INTS;
  Atomics.store(ctl, base + READY, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, base + SEQ, seen);
    const seq = Atomics.load(ctl, base + SEQ);
    if (seq < 0) return;
    if (seq === seen) continue;
    seen = seq;
    let failed = 0;
    try {
      let p = base + TASKS;
      const count = ctl[base + COUNT];
      for (let t = 0; t < count; t++) {
        const fn = fns[ctl[p]];
        const argc = ctl[p + 1];
        const args = new Array(argc);
        for (let i = 0; i < argc; i++) args[i] = ctl[p + 2 + i];
        fn(...args);
        p += 2 + argc;
      }
    } catch (error) {
      failed = 1;
    }
    Atomics.store(ctl, base + ERROR, failed);
    Atomics.store(ctl, base + DONE, seq);
    Atomics.notify(ctl, base + DONE);
  }
}
if (typeof require === 'function' && typeof process === 'object') {
  start(require('node:worker_threads').workerData);
} else {
  self.onmessage = (event) => start(event.data);
}
`;

/** What the pool needs of a worker: a way to end it. */
interface WorkerHandle {
  terminate(): unknown;
}

/**
 * Starts a worker on the module, the memory and the control block; `onFailure` is called if the
 * worker fails before or after it has started (a failed start is reported by {@link ThreadPool.start}).
 */
type Spawn = (data: { module: WebAssembly.Module; memory: WebAssembly.Memory; control: SharedArrayBuffer; index: number }, onFailure: () => void) => WorkerHandle;

const isNode = typeof process === 'object' && typeof (process as { versions?: { node?: string } }).versions?.node === 'string';

/** Loads a Node built-in without letting bundlers for the browser see (and try to resolve) it. */
const nodeBuiltin = (name: string): Promise<unknown> => import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`);

/** How this engine starts worker threads: Node's `worker_threads`, or Web Workers; `null` where it has neither. */
async function spawner(): Promise<Spawn | null> {
  if (isNode) {
    const { Worker } = (await nodeBuiltin('worker_threads')) as typeof NodeWorkerThreads;
    return (data, onFailure) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
      // Idle workers must not keep the process alive.
      worker.unref();
      worker.on('error', onFailure);
      worker.on('exit', onFailure);
      return worker;
    };
  }
  if (typeof Worker === 'function' && typeof Blob === 'function' && typeof URL === 'function') {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    return (data, onFailure) => {
      const worker = new Worker(url);
      worker.onerror = onFailure;
      worker.postMessage(data);
      return worker;
    };
  }
  return null;
}

/** The number of logical processors, or 1 when the engine does not say. */
export async function hardwareThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === 'number' && nav.hardwareConcurrency > 0) return nav.hardwareConcurrency;
  if (isNode) {
    const os = (await nodeBuiltin('os')) as typeof NodeOs;
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return 1;
}

// Workers of pools whose backend has been collected: terminated then.
const orphans = new FinalizationRegistry<WorkerHandle[]>((workers) => {
  for (const w of workers) w.terminate();
});

/**
 * A pool of worker threads that run kernel exports on the caller's shared wasm memory, with the
 * calling thread as thread 0. A job gives each thread a list of tasks; {@link ThreadPool.run} posts
 * them, runs thread 0's own, and waits for the rest (`Atomics.wait` with a short spin first; a
 * browser's main thread, where waiting is not allowed, only spins).
 *
 * Workers start asynchronously (a worker takes tens of milliseconds to start); until one has
 * instantiated the module, the calling thread runs its tasks itself, so results never depend on
 * how many workers are up: every task writes its own disjoint part of the output.
 */
export class ThreadPool {
  readonly #kernels: WasmKernels;
  readonly #requested: number | 'auto';
  readonly #workers: WorkerHandle[] = [];
  // Known once started: the control block and the number of workers.
  #control: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #wanted = 0;
  #seq = 0;
  #starting: Promise<number> | null = null;
  #closed = false;
  // Whether this thread may block in Atomics.wait (a browser's main thread may not: found on first try).
  #canBlock = true;

  /**
   * @param kernels - a module instance on shared memory.
   * @param threads - the most threads to run on, the caller included, or `auto` (the logical
   * processors, at most `maxAuto`).
   */
  constructor(kernels: WasmKernels, threads: number | 'auto', maxAuto: number) {
    if (!kernels.shared) throw new Error('ThreadPool: the kernel module does not run on shared memory');
    this.#kernels = kernels;
    this.#requested = threads === 'auto' ? -maxAuto : threads;
    orphans.register(this, this.#workers, this);
  }

  /** Threads a job may be split into: 1 plus the workers asked for, once known (1 before {@link ThreadPool.start} has resolved the count). */
  get size(): number {
    return 1 + this.#wanted;
  }

  /** Threads running now: 1 plus the workers that have started. */
  get running(): number {
    let n = 1;
    for (let i = 0; i < this.#workers.length; i++) if (Atomics.load(this.#control, i * SLOT_INTS + READY) === 1) n += 1;
    return n;
  }

  /**
   * Starts the workers (once); resolves to the number of threads running when all have started, or
   * 1 where this engine cannot start worker threads, where one fails to start (the pool then closes),
   * or after {@link ThreadPool.close}. Never rejects.
   */
  start(): Promise<number> {
    this.#starting ??= this.#start().catch(() => {
      // A worker that cannot be created (a page's CSP, a sandbox) leaves the caller alone.
      this.close();
      return 1;
    });
    return this.#starting;
  }

  async #start(): Promise<number> {
    const requested = this.#requested as number;
    const threads = requested > 0 ? requested : Math.min(-requested, await hardwareThreads());
    const spawn = threads > 1 ? await spawner() : null;
    if (spawn === null || this.#closed) return 1;
    const wanted = threads - 1;
    const control = new Int32Array(new SharedArrayBuffer(4 * SLOT_INTS * wanted));
    let failed = false;
    // A worker that fails stops taking jobs: its flag is cleared, so its share runs on the caller.
    const fail = (i: number) => () => {
      failed = true;
      Atomics.store(control, i * SLOT_INTS + READY, 0);
    };
    this.#control = control;
    for (let i = 0; i < wanted; i++) {
      this.#workers.push(spawn({ module: this.#kernels.module, memory: this.#kernels.memory, control: control.buffer as SharedArrayBuffer, index: i }, fail(i)));
    }
    this.#wanted = wanted;
    // Each worker sets its flag once it has instantiated the module; poll on a timer (nothing else
    // waits for them: until then their jobs run on the caller).
    for (let i = 0; i < wanted; i++) {
      while (!this.#closed && !failed && Atomics.load(control, i * SLOT_INTS + READY) !== 1) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (failed) throw new Error('ThreadPool: a worker failed to start');
    return this.running;
  }

  /**
   * Runs `jobs[k]` on thread k (k = 0: the caller) and returns when every thread is done. Jobs of
   * workers that have not started (or do not exist, or have failed) run on the caller, in order. A
   * task that traps in a worker is reported as an `Error` once every thread is done. (A worker the
   * system kills in the middle of a job would leave the caller waiting: the workers hold no JS heap
   * to speak of, their memory is the shared wasm memory, so Node's per-worker heap limits never apply.)
   */
  run(jobs: readonly (readonly ThreadTask[])[]): void {
    const ctl = this.#control;
    const posted: number[] = [];
    const local: (readonly ThreadTask[])[] = [jobs[0] ?? []];
    this.#seq += 1;
    const seq = this.#seq;
    for (let k = 1; k < jobs.length; k++) {
      const w = k - 1;
      const base = w * SLOT_INTS;
      if (w >= this.#workers.length || Atomics.load(ctl, base + READY) !== 1 || !this.#write(base, jobs[k])) {
        local.push(jobs[k]);
        continue;
      }
      Atomics.store(ctl, base + SEQ, seq);
      Atomics.notify(ctl, base + SEQ);
      posted.push(w);
    }
    this.#kernels.runOnCaller(local);
    let failed = -1;
    for (const w of posted) {
      this.#wait(w * SLOT_INTS + DONE, seq);
      if (Atomics.load(ctl, w * SLOT_INTS + ERROR) !== 0) failed = w;
    }
    if (failed >= 0) throw new Error(`ThreadPool: a kernel failed in worker ${failed + 1} (a wasm trap, such as an address outside the memory)`);
  }

  /** Ends the workers; the pool then runs every job on the caller. */
  close(): void {
    this.#closed = true;
    this.#wanted = 0;
    for (let i = 0; i < this.#workers.length; i++) {
      Atomics.store(this.#control, i * SLOT_INTS + READY, 0);
      Atomics.store(this.#control, i * SLOT_INTS + SEQ, -1);
      Atomics.notify(this.#control, i * SLOT_INTS + SEQ);
    }
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
    orphans.unregister(this);
  }

  /** Writes a job into a worker's slot; false when it does not fit (the caller then runs it). */
  #write(base: number, job: readonly ThreadTask[]): boolean {
    const ctl = this.#control;
    let p = base + TASKS;
    for (const task of job) {
      if (p + 2 + task.args.length > base + SLOT_INTS) return false;
      ctl[p] = TASK_EXPORTS.indexOf(task.fn);
      ctl[p + 1] = task.args.length;
      for (let i = 0; i < task.args.length; i++) ctl[p + 2 + i] = task.args[i];
      p += 2 + task.args.length;
    }
    ctl[base + COUNT] = job.length;
    return true;
  }

  /** Waits until `ctl[index] === value`: a short spin, then `Atomics.wait` where this thread may block. */
  #wait(index: number, value: number): void {
    const ctl = this.#control;
    for (let spin = 0; spin < 2000; spin++) if (Atomics.load(ctl, index) === value) return;
    for (;;) {
      const now = Atomics.load(ctl, index);
      if (now === value) return;
      if (this.#canBlock) {
        try {
          Atomics.wait(ctl, index, now, 100);
          continue;
        } catch {
          // A browser's main thread may not block: spin from now on.
          this.#canBlock = false;
        }
      }
    }
  }
}

/**
 * Multiply-adds (about 8.4M, a third of a millisecond of one core) a thread must get before a product
 * or a layer is split across threads. Waking a worker is an `Atomics.notify`/`wait` round trip of
 * about 12 µs, but a worker idle for a while wakes slower, and a call waits for its slowest thread:
 * measured on the bench's `small` GRU (9.4M multiply-adds forward), two threads ran no faster in the
 * median than one, so it stays on one; `medium` (236M) gains about 1.5×.
 */
export const MIN_WORK_PER_THREAD = 1 << 23;

/**
 * `[start, count]` parts of `0 … total − 1` for up to `parts` threads, each a multiple of `align`
 * (the last takes the rest); fewer parts when `total` is small, none when it is 0.
 */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  if (total <= 0) return [];
  const size = Math.max(align, Math.ceil(Math.ceil(total / Math.max(1, parts)) / align) * align);
  const out: [number, number][] = [];
  for (let start = 0; start < total; start += size) out.push([start, Math.min(size, total - start)]);
  return out;
}

/**
 * How the wasm kernels of one backend use threads: the pool (or none), the per-call thread count,
 * and running a job on them.
 */
export class KernelThreads {
  readonly #kernels: WasmKernels;
  readonly #pool: ThreadPool | null;

  /**
   * @param threads - the most threads, the caller included, or `auto` (logical processors, at most `maxAuto`).
   */
  constructor(kernels: WasmKernels, threads: number | 'auto', maxAuto: number) {
    this.#kernels = kernels;
    this.#pool = threads !== 1 && kernels.shared ? new ThreadPool(kernels, threads, maxAuto) : null;
  }

  /** Threads running now (workers start in the background on first use). */
  get running(): number {
    return this.#pool?.running ?? 1;
  }

  /** Starts the workers; resolves to the number of threads running. */
  start(): Promise<number> {
    return this.#pool?.start() ?? Promise.resolve(1);
  }

  /**
   * The threads for a call of `work` multiply-adds splittable into `units` independent parts (rows):
   * at most one per unit and one per {@link MIN_WORK_PER_THREAD}. The first call that wants more
   * than one starts the workers (that call runs on the caller alone).
   */
  threadsFor(units: number, work: number): number {
    if (this.#pool === null) return 1;
    const wanted = Math.min(units, Math.floor(work / MIN_WORK_PER_THREAD));
    if (wanted < 2) return 1;
    void this.#pool.start();
    return Math.min(this.#pool.size, wanted);
  }

  /** Runs `jobs[k]` on thread k (0: the caller) and waits for all. */
  run(jobs: readonly (readonly ThreadTask[])[]): void {
    if (this.#pool === null || jobs.length <= 1) this.#kernels.runOnCaller(jobs);
    else this.#pool.run(jobs);
  }

  /** Ends the workers. */
  close(): void {
    this.#pool?.close();
  }
}
