import type {
  Backend,
  GruStepArgs,
  GruStepBackwardArgs,
  GruStepBackwardResult,
  GruStepResult,
  LstmStepArgs,
  LstmStepBackwardArgs,
  LstmStepBackwardResult,
  LstmStepResult,
} from '../backend/backend';
import { Scratch } from './scratch';

/**
 * Composed defaults for the optional fused recurrent kernels, written with the required primitives
 * only. They define the numbers a fused kernel must reproduce, and they run on any backend that
 * leaves the fused kernels out (more kernel launches, same results).
 */

function columns(backend: Backend, s: unknown, batch: number, width: number, begin: number, count: number): unknown {
  return backend.slice({ storage: s, shape: [batch, width] }, [0, begin], [batch, count]);
}

/** The composed GRU step (PyTorch's `resetAfter` form); see {@link Backend.gruStep}. */
export function gruStepComposed(backend: Backend, args: GruStepArgs): GruStepResult {
  const { gx, gh, h, batch, hiddenSize: H } = args;
  const n = batch * H;
  const tmp = new Scratch(backend);
  try {
    const shape = [batch, H];
    const part = (s: unknown, k: number) => tmp.keep(columns(backend, s, batch, 3 * H, k * H, H));
    const add = (a: unknown, b: unknown) => tmp.keep(backend.binary('add', { storage: a, shape }, { storage: b, shape }, shape));
    const mul = (a: unknown, b: unknown) => tmp.keep(backend.binary('mul', { storage: a, shape }, { storage: b, shape }, shape));
    const r = backend.unary('sigmoid', add(part(gx, 0), part(gh, 0)), n);
    const z = backend.unary('sigmoid', add(part(gx, 1), part(gh, 1)), n);
    const ghn = part(gh, 2);
    const nGate = backend.unary('tanh', add(part(gx, 2), mul(r, ghn)), n);
    // h' = n + z ⊙ (h − n), the same rounding as (1 − z) ⊙ n + z ⊙ h up to one ulp; fused kernels use this form too.
    const hMinusN = tmp.keep(backend.binary('sub', { storage: h, shape }, { storage: nGate, shape }, shape));
    const hNext = backend.binary('add', { storage: nGate, shape }, { storage: mul(z, hMinusN), shape }, shape);
    const saved = backend.concat(
      [r, z, nGate, ghn].map((storage) => ({ storage, shape })),
      1,
      [batch, 4 * H],
    );
    tmp.keep(r);
    tmp.keep(z);
    tmp.keep(nGate);
    return { h: hNext, saved };
  } finally {
    tmp.free();
  }
}

/** The composed GRU step backward; see {@link Backend.gruStepBackward}. */
export function gruStepBackwardComposed(backend: Backend, args: GruStepBackwardArgs): GruStepBackwardResult {
  const { dh, h, saved, batch, hiddenSize: H } = args;
  const tmp = new Scratch(backend);
  try {
    const shape = [batch, H];
    const ref = (storage: unknown) => ({ storage, shape });
    const part = (k: number) => tmp.keep(columns(backend, saved, batch, 4 * H, k * H, H));
    const bin = (op: 'add' | 'sub' | 'mul', a: unknown, b: unknown) => tmp.keep(backend.binary(op, ref(a), ref(b), shape));
    const oneMinus = (a: unknown) => tmp.keep(backend.binaryScalar('sub', a, 1, batch * H, true));
    const [r, z, nGate, ghn] = [part(0), part(1), part(2), part(3)];
    const dn = bin('mul', dh, oneMinus(z));
    const dz = bin('mul', dh, bin('sub', h, nGate));
    const dhDirect = backend.binary('mul', ref(dh), ref(z), shape);
    const dan = bin('mul', dn, oneMinus(tmp.keep(backend.unary('square', nGate, batch * H))));
    const dar = bin('mul', bin('mul', dan, ghn), bin('mul', r, oneMinus(r)));
    const daz = bin('mul', dz, bin('mul', z, oneMinus(z)));
    const dgx = backend.concat([dar, daz, dan].map(ref), 1, [batch, 3 * H]);
    const dgh = backend.concat([dar, daz, bin('mul', dan, r)].map(ref), 1, [batch, 3 * H]);
    return { dgx, dgh, dhDirect };
  } finally {
    tmp.free();
  }
}

/** The composed LSTM step (gate order i, f, g, o); see {@link Backend.lstmStep}. */
export function lstmStepComposed(backend: Backend, args: LstmStepArgs): LstmStepResult {
  const { gx, gh, c, batch, hiddenSize: H } = args;
  const n = batch * H;
  const tmp = new Scratch(backend);
  try {
    const shape = [batch, H];
    const ref = (storage: unknown) => ({ storage, shape });
    const gates = tmp.keep(backend.binary('add', { storage: gx, shape: [batch, 4 * H] }, { storage: gh, shape: [batch, 4 * H] }, [batch, 4 * H]));
    const part = (k: number) => tmp.keep(columns(backend, gates, batch, 4 * H, k * H, H));
    const i = tmp.keep(backend.unary('sigmoid', part(0), n));
    const f = tmp.keep(backend.unary('sigmoid', part(1), n));
    const g = tmp.keep(backend.unary('tanh', part(2), n));
    const o = tmp.keep(backend.unary('sigmoid', part(3), n));
    const fc = tmp.keep(backend.binary('mul', ref(f), ref(c), shape));
    const ig = tmp.keep(backend.binary('mul', ref(i), ref(g), shape));
    const cNext = backend.binary('add', ref(fc), ref(ig), shape);
    const tanhC = tmp.keep(backend.unary('tanh', cNext, n));
    const hNext = backend.binary('mul', ref(o), ref(tanhC), shape);
    const saved = backend.concat([i, f, g, o, tanhC].map(ref), 1, [batch, 5 * H]);
    return { h: hNext, c: cNext, saved };
  } finally {
    tmp.free();
  }
}

/** The composed LSTM step backward; see {@link Backend.lstmStepBackward}. */
export function lstmStepBackwardComposed(backend: Backend, args: LstmStepBackwardArgs): LstmStepBackwardResult {
  const { dh, dc, c, saved, batch, hiddenSize: H } = args;
  const n = batch * H;
  const tmp = new Scratch(backend);
  try {
    const shape = [batch, H];
    const ref = (storage: unknown) => ({ storage, shape });
    const part = (k: number) => tmp.keep(columns(backend, saved, batch, 5 * H, k * H, H));
    const bin = (op: 'add' | 'mul', a: unknown, b: unknown) => tmp.keep(backend.binary(op, ref(a), ref(b), shape));
    const oneMinus = (a: unknown) => tmp.keep(backend.binaryScalar('sub', a, 1, n, true));
    const [i, f, g, o, tanhC] = [part(0), part(1), part(2), part(3), part(4)];
    // dc_total = dc + dh ⊙ o ⊙ (1 − tanh²(c'))
    const dcTotal = bin('add', dc, bin('mul', bin('mul', dh, o), oneMinus(tmp.keep(backend.unary('square', tanhC, n)))));
    const di = bin('mul', bin('mul', dcTotal, g), bin('mul', i, oneMinus(i)));
    const df = bin('mul', bin('mul', dcTotal, c), bin('mul', f, oneMinus(f)));
    const dg = bin('mul', bin('mul', dcTotal, i), oneMinus(tmp.keep(backend.unary('square', g, n))));
    const dout = bin('mul', bin('mul', dh, tanhC), bin('mul', o, oneMinus(o)));
    const dgates = backend.concat([di, df, dg, dout].map(ref), 1, [batch, 4 * H]);
    const dcPrev = backend.binary('mul', ref(dcTotal), ref(f), shape);
    return { dgates, dcPrev };
  } finally {
    tmp.free();
  }
}

/** Runs the backend's fused GRU step, or the composed default when it has none. */
export function gruStep(backend: Backend, args: GruStepArgs): GruStepResult {
  return backend.gruStep ? backend.gruStep(args) : gruStepComposed(backend, args);
}

/** Runs the backend's fused GRU step backward, or the composed default. */
export function gruStepBackward(backend: Backend, args: GruStepBackwardArgs): GruStepBackwardResult {
  return backend.gruStepBackward ? backend.gruStepBackward(args) : gruStepBackwardComposed(backend, args);
}

/** Runs the backend's fused LSTM step, or the composed default. */
export function lstmStep(backend: Backend, args: LstmStepArgs): LstmStepResult {
  return backend.lstmStep ? backend.lstmStep(args) : lstmStepComposed(backend, args);
}

/** Runs the backend's fused LSTM step backward, or the composed default. */
export function lstmStepBackward(backend: Backend, args: LstmStepBackwardArgs): LstmStepBackwardResult {
  return backend.lstmStepBackward ? backend.lstmStepBackward(args) : lstmStepBackwardComposed(backend, args);
}
