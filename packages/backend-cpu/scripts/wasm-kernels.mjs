// The WebAssembly kernels of @gated/backend-cpu, written as WebAssembly text (WAT) by a generator so
// that the plain SIMD128 and the relaxed-SIMD builds come from one source: they differ only in how a
// multiply-add is spelled. Each can import a shared memory (for the worker threads, which
// instantiate the same module on the same memory) or a memory of its own (where SharedArrayBuffer is
// unavailable). `build-wasm.mjs` assembles the two shared builds with wabt (npm) and writes
// `src/wasm/modules.generated.ts`; the own-memory builds differ in one byte and are derived at run
// time (`unsharedModule`). `src/wasm/wasm-kernels.test.ts` regenerates everything and checks that
// the committed bytes, and the derived ones, are identical to wabt's.
//
// Memory layout: everything is addressed in bytes by the caller; the module owns no static data.
// All floats are float32, matrices row-major. Exports (what JavaScript and the worker threads call):
//
//   pack_b(b, sp, sj, k, n, dst)        dst[jp][p][c] = B(p, 8·jp + c), 0 past n: [⌈n/8⌉][k][8] panels
//   gemm(m, n, k, a, si, sp, pb, c, ldc, accumulate, pa, tile)
//                                       C[m, n] (+)= A·B with B packed by pack_b; A(i, p) at
//                                       a + 4·(i·si + p·sp), packed 4 rows at a time into pa;
//                                       tile is a 128-byte scratch for edge tiles
//   sigmoid(x, y, count), tanh(x, y, count)   element-wise, 4 lanes at a time
//   gru_layer_forward, lstm_layer_forward, gru_layer_backward, lstm_layer_backward
//                                       the whole time loop of one layer for a block of batch rows
//   colsum(a, rows, cols, lda, out)     column sums in float64 (bias gradients)
//
// Internal: pack_a(a, si, sp, rows, k, dst) (dst[p][r] = A(r, p), a [k][4] panel), the fused gate
// math of one step (gru_forward, gru_backward, lstm_forward, lstm_backward) and the row helpers of
// the layer loops (vadd, select_rows, keep_rows, zero_invalid).
//
// The micro-kernel holds a 4×8 block of C in eight f32x4 accumulators; per step of k it loads two
// vectors of the B panel and splats four values of the A panel (`v128.load32_splat`).

/** The multiply-add `acc + a·b` of two f32x4 values. */
function madd(relaxed, a, b, acc) {
  return relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${a} ${b}))`;
}

/** The 16 byte lanes of an `i8x16.shuffle` that picks the given i32 lanes (0–3 first operand, 4–7 second). */
function lanes(words) {
  return words.flatMap((w) => [0, 1, 2, 3].map((b) => 4 * w + b)).join(' ');
}

function packA() {
  return `
  (func $pack_a (param $a i32) (param $si i32) (param $sp i32) (param $rows i32) (param $k i32) (param $dst i32)
    (local $p i32) (local $r i32) (local $src i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $si (i32.shl (local.get $si) (i32.const 2)))
    (local.set $sp (i32.shl (local.get $sp) (i32.const 2)))
    ;; Four contiguous rows (a transposed A): one vector per step of k.
    (if (i32.and (i32.eq (local.get $si) (i32.const 4)) (i32.eq (local.get $rows) (i32.const 4)))
      (then
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
          (v128.store (local.get $dst) (v128.load (local.get $a)))
          (local.set $a (i32.add (local.get $a) (local.get $sp)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
        (return)))
    ;; Four rows of a row-major A: 4×4 blocks loaded as four vectors and transposed with shuffles.
    (if (i32.and (i32.eq (local.get $sp) (i32.const 4)) (i32.eq (local.get $rows) (i32.const 4)))
      (then
        (block $blocks (loop $block
          (br_if $blocks (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
          (local.set $r0 (v128.load (local.get $a)))
          (local.set $r1 (v128.load (i32.add (local.get $a) (local.get $si))))
          (local.set $r2 (v128.load (i32.add (local.get $a) (i32.shl (local.get $si) (i32.const 1)))))
          (local.set $r3 (v128.load (i32.add (local.get $a) (i32.mul (local.get $si) (i32.const 3)))))
          ;; t0 = (r0₀ r1₀ r0₁ r1₁), t1 = (r0₂ r1₂ r0₃ r1₃), likewise t2, t3 from r2, r3.
          (local.set $t0 (i8x16.shuffle ${lanes([0, 4, 1, 5])} (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle ${lanes([2, 6, 3, 7])} (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle ${lanes([0, 4, 1, 5])} (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle ${lanes([2, 6, 3, 7])} (local.get $r2) (local.get $r3)))
          (v128.store (local.get $dst) (i8x16.shuffle ${lanes([0, 1, 4, 5])} (local.get $t0) (local.get $t2)))
          (v128.store offset=16 (local.get $dst) (i8x16.shuffle ${lanes([2, 3, 6, 7])} (local.get $t0) (local.get $t2)))
          (v128.store offset=32 (local.get $dst) (i8x16.shuffle ${lanes([0, 1, 4, 5])} (local.get $t1) (local.get $t3)))
          (v128.store offset=48 (local.get $dst) (i8x16.shuffle ${lanes([2, 3, 6, 7])} (local.get $t1) (local.get $t3)))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $block)))))
    ;; Anything else (and the last k % 4 steps): element by element, zero past the last row.
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $r (i32.const 0))
      (local.set $src (local.get $a))
      (loop $row
        (f32.store (local.get $dst)
          (if (result f32) (i32.lt_u (local.get $r) (local.get $rows))
            (then (f32.load (local.get $src)))
            (else (f32.const 0))))
        (local.set $src (i32.add (local.get $src) (local.get $si)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $r) (i32.const 4))))
      (local.set $a (i32.add (local.get $a) (local.get $sp)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
  )`;
}

function packB() {
  return `
  (func $pack_b (export "pack_b") (param $b i32) (param $sp i32) (param $sj i32) (param $k i32) (param $n i32) (param $dst i32)
    (local $j0 i32) (local $p i32) (local $c i32) (local $src i32) (local $row i32)
    (local.set $sp (i32.shl (local.get $sp) (i32.const 2)))
    (local.set $sj (i32.shl (local.get $sj) (i32.const 2)))
    (block $panels (loop $panel
      (br_if $panels (i32.ge_u (local.get $j0) (local.get $n)))
      (local.set $row (i32.add (local.get $b) (i32.mul (local.get $j0) (local.get $sj))))
      (local.set $p (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
        (if (i32.and (i32.eq (local.get $sj) (i32.const 4)) (i32.le_u (i32.add (local.get $j0) (i32.const 8)) (local.get $n)))
          (then
            ;; A full panel of contiguous columns: two vector copies.
            (v128.store (local.get $dst) (v128.load (local.get $row)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $row))))
          (else
            (local.set $c (i32.const 0))
            (local.set $src (local.get $row))
            (loop $col
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
                (if (result f32) (i32.lt_u (i32.add (local.get $j0) (local.get $c)) (local.get $n))
                  (then (f32.load (local.get $src)))
                  (else (f32.const 0))))
              (local.set $src (i32.add (local.get $src) (local.get $sj)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br_if $col (i32.lt_u (local.get $c) (i32.const 8))))))
        (local.set $row (i32.add (local.get $row) (local.get $sp)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
      (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
      (br $panel)))
  )`;
}

function gemm(relaxed, unroll) {
  const accs = [];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) accs.push(`$c${r}${h}`);
  const zero = accs.map((a) => `(local.set ${a} (v128.const i32x4 0 0 0 0))`).join('\n          ');
  // One step of k: two vectors of the B panel, four splats of the A panel, eight multiply-adds.
  const step = (u) => {
    const lines = [`(local.set $b0 (v128.load offset=${32 * u} (local.get $dst)))`, `(local.set $b1 (v128.load offset=${32 * u + 16} (local.get $dst)))`];
    for (let r = 0; r < 4; r++) {
      lines.push(`(local.set $av (v128.load32_splat offset=${16 * u + 4 * r} (local.get $pa_p)))`);
      for (let h = 0; h < 2; h++) lines.push(`(local.set $c${r}${h} ${madd(relaxed, '(local.get $av)', `(local.get $b${h})`, `(local.get $c${r}${h})`)})`);
    }
    return lines;
  };
  const body = Array.from({ length: unroll }, (_, u) => step(u)).flat();
  // Full 4×8 tile: vector stores straight into C (adding C's old value when accumulating).
  const fullStores = [];
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      const addr = `(i32.add (local.get $cp) (i32.const ${16 * h}))`;
      fullStores.push(
        `(v128.store ${addr} (if (result v128) (local.get $accumulate) (then (f32x4.add (v128.load ${addr}) (local.get $c${r}${h}))) (else (local.get $c${r}${h}))))`,
      );
    }
    fullStores.push(`(local.set $cp (i32.add (local.get $cp) (local.get $ldc)))`);
  }
  const tileStores = [];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) tileStores.push(`(v128.store offset=${32 * r + 16 * h} (local.get $tile) (local.get $c${r}${h}))`);
  return `
  (func $gemm (export "gemm") (param $m i32) (param $n i32) (param $k i32) (param $a i32) (param $si i32) (param $sp i32)
    (param $pb i32) (param $c i32) (param $ldc i32) (param $accumulate i32) (param $pa i32) (param $tile i32)
    (local $i0 i32) (local $j0 i32) (local $rows i32) (local $cols i32) (local $p i32) (local $pa_p i32) (local $pb_p i32)
    (local $cp i32) (local $r i32) (local $q i32) (local $dst i32) (local $panel i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    ${accs.map((a) => `(local ${a} v128)`).join(' ')}
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $panel (i32.shl (local.get $k) (i32.const 5)))
    (block $rowsDone (loop $rowBlock
      (br_if $rowsDone (i32.ge_u (local.get $i0) (local.get $m)))
      (local.set $rows (i32.sub (local.get $m) (local.get $i0)))
      (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
      (call $pack_a
        (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i0) (local.get $si)) (i32.const 2)))
        (local.get $si) (local.get $sp) (local.get $rows) (local.get $k) (local.get $pa))
      (local.set $j0 (i32.const 0))
      (local.set $pb_p (local.get $pb))
      (block $colsDone (loop $colBlock
        (br_if $colsDone (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $cols (i32.sub (local.get $n) (local.get $j0)))
        (if (i32.gt_u (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
          ${zero}
        (local.set $pa_p (local.get $pa))
        (local.set $dst (local.get $pb_p))
        (local.set $p (local.get $k))
        ;; k unrolled ${unroll} times, then the last k % ${unroll} steps one by one.
        (block $kDone (loop $kStep
          (br_if $kDone (i32.lt_u (local.get $p) (i32.const ${unroll})))
          ${body.join('\n          ')}
          (local.set $pa_p (i32.add (local.get $pa_p) (i32.const ${16 * unroll})))
          (local.set $dst (i32.add (local.get $dst) (i32.const ${32 * unroll})))
          (local.set $p (i32.sub (local.get $p) (i32.const ${unroll})))
          (br $kStep)))
        (block $restDone (loop $rest
          (br_if $restDone (i32.eqz (local.get $p)))
          ${step(0).join('\n          ')}
          (local.set $pa_p (i32.add (local.get $pa_p) (i32.const 16)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $rest)))
        (local.set $cp (i32.add (local.get $c) (i32.add (i32.mul (local.get $i0) (local.get $ldc)) (i32.shl (local.get $j0) (i32.const 2)))))
        (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
          (then
            ${fullStores.join('\n            ')})
          (else
            ;; An edge tile: through the scratch tile, element by element.
            ${tileStores.join('\n            ')}
            (local.set $r (i32.const 0))
            (loop $tr
              (local.set $q (i32.const 0))
              (loop $tq
                (local.set $dst (i32.add (local.get $cp) (i32.shl (local.get $q) (i32.const 2))))
                (f32.store (local.get $dst)
                  (f32.add
                    (f32.load (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $q)) (i32.const 2))))
                    (if (result f32) (local.get $accumulate) (then (f32.load (local.get $dst))) (else (f32.const 0)))))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br_if $tq (i32.lt_u (local.get $q) (local.get $cols))))
              (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br_if $tr (i32.lt_u (local.get $r) (local.get $rows))))))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
        (local.set $pb_p (i32.add (local.get $pb_p) (local.get $panel)))
        (br $colBlock)))
      (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
      (br $rowBlock)))
  )`;
}


// ---- vectorised transcendental functions ------------------------------------------------------
// exp: Cody–Waite range reduction x = n·ln2 + r (|r| ≤ ln2/2) and Cephes' degree-6 polynomial for
// e^r (expf: about 1 ulp in float32), scaled by 2^n built in the exponent bits. The clamp keeps n in
// [−126, 127]; NaN passes through the clamp and stays NaN.

const splat = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;

/** Whether the module being generated is the relaxed-SIMD build (set by {@link watSource}). */
let relaxedBuild = false;

/** The bits of 1.0 in every lane: added to `n << 23` they make the exponent of 2ⁿ. */
const ONE_BITS = '(v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000)';
/** The sign bit in every lane. */
const SIGN_BITS = '(v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)';

const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * Statements that set `$te = exp($tx)` (clobbering `$tx`, `$tn`, `$tr`, `$tq`). Emitted inline at every use:
 * V8 does not inline wasm calls, and a call per 4 lanes costs as much as the polynomial.
 */
function expStatements() {
  // The polynomial by Estrin's scheme (three dependent multiply-adds, not Horner's five).
  const [c0, c1, c2, c3, c4, c5] = EXP_POLY.map(splat);
  const r = '(local.get $tr)';
  const r2 = '(local.get $tq)';
  const m = (a, b, acc) => madd(relaxedBuild, a, b, acc);
  const p = m(m(m(c0, r, c1), r2, m(c2, r, c3)), r2, m(c4, r, c5));
  return [
    // pmax / pmin are one instruction each (min / max need a NaN- and ±0-exact sequence); a NaN
    // operand compares false and passes through.
    `(local.set $tx (f32x4.pmin (f32x4.pmax (local.get $tx) ${splat(-87.3)}) ${splat(88.3)}))`,
    // n = round(x·log2e), by adding and subtracting 1.5·2²³ (the float's rounding is the
    // round-half-even of f32x4.nearest); the low bits of the biased sum are n itself, so 2ⁿ is
    // (bits << 23) + (127 << 23) without a float→int conversion.
    `(local.set $tn (f32x4.add (f32x4.mul (local.get $tx) ${splat(1.4426950408889634)}) ${splat(12582912)}))`,
    `(local.set $te (i32x4.add (i32x4.shl (local.get $tn) (i32.const 23)) ${ONE_BITS}))`,
    `(local.set $tn (f32x4.sub (local.get $tn) ${splat(12582912)}))`,
    `(local.set $tr (f32x4.sub (f32x4.sub (local.get $tx) (f32x4.mul (local.get $tn) ${splat(0.693359375)})) (f32x4.mul (local.get $tn) ${splat(-2.12194440e-4)})))`,
    `(local.set $tq (f32x4.mul (local.get $tr) (local.get $tr)))`,
    `(local.set $te (f32x4.mul (f32x4.add ${m(p, r2, r)} ${splat(1)}) (local.get $te)))`,
  ];
}

/** Statements that set `$<dest> = σ(x)`, `σ(x) = 1 / (1 + exp(−x))`. */
function sigmoidTo(dest, x) {
  return [`(local.set $tx (f32x4.neg ${x}))`, ...expStatements(), `(local.set $${dest} (f32x4.div ${splat(1)} (f32x4.add ${splat(1)} (local.get $te))))`];
}

/** Statements that set `$<dest> = tanh(x)` as `sign(x) · (1 − e)/(1 + e)` with `e = exp(−2|x|)`, which never overflows. */
function tanhTo(dest, x) {
  return [
    `(local.set $ty ${x})`,
    `(local.set $tx (f32x4.mul (f32x4.abs (local.get $ty)) ${splat(-2)}))`,
    ...expStatements(),
    `(local.set $${dest} (v128.or
      (f32x4.div (f32x4.sub ${splat(1)} (local.get $te)) (f32x4.add ${splat(1)} (local.get $te)))
      (v128.and (local.get $ty) ${SIGN_BITS})))`,
  ];
}

const TEMPS = ['tx', 'ty', 'tn', 'tr', 'tq', 'te'];

function elementwise(name, to) {
  const body = to('v', '(v128.load (local.get $x))').join('\n      ');
  return `
  (func (export "${name}") (param $x i32) (param $y i32) (param $count i32)
    (local $v v128) ${TEMPS.map((t) => `(local $${t} v128)`).join(' ')}
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $count) (i32.const 0)))
      ${body}
      (v128.store (local.get $y) (local.get $v))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $count (i32.sub (local.get $count) (i32.const 4)))
      (br $next))))`;
}

function transcendentals() {
  return [elementwise('sigmoid', sigmoidTo), elementwise('tanh', tanhTo)].join('\n');
}

// ---- fused gate math of one step, 4 hidden units at a time -------------------------------------
// The same formulas as src/kernels/recurrent.ts (gruStep, gruStepBackward, lstmStep,
// lstmStepBackward), over [batch, w·H] rows at byte addresses; `bias` (hidden bias, zeros when the
// layer has none) is added to the hidden product here. Requires H % 4 = 0.

/**
 * A loop over batch rows and groups of 4 hidden units. `arrays` maps a name to its row width in
 * units of H (0: one row shared by every batch row); `$<name>` walks the row's current 4 units, and
 * `L(name, block)` loads block `block` of them.
 */
function rowLoop(name, params, arrays, locals, body) {
  const ptrs = Object.keys(arrays);
  const advance = ptrs.map((a) => `(local.set $${a} (i32.add (local.get $${a}) (i32.const 16)))`).join('\n        ');
  // At the end of a row each pointer has advanced by H floats: skip the rest of a wider row, or
  // rewind a shared row (width 0: the bias, the same for every batch row).
  const rowSkip = ptrs
    .filter((a) => arrays[a] !== 1)
    .map((a) =>
      arrays[a] === 0
        ? `(local.set $${a} (i32.sub (local.get $${a}) (local.get $hb)))`
        : `(local.set $${a} (i32.add (local.get $${a}) (i32.mul (local.get $hb) (i32.const ${arrays[a] - 1}))))`,
    )
    .join('\n      ');
  return `
  (func $${name} ${ptrs.map((a) => `(param $${a} i32)`).join(' ')} ${params.map((p) => `(param $${p} i32)`).join(' ')}
    (local $b i32) (local $j i32) (local $hb i32) ${[...locals, ...TEMPS].map((l) => `(local $${l} v128)`).join(' ')}
    (local.set $hb (i32.shl (local.get $H) (i32.const 2)))
    (block $rows (loop $row
      (br_if $rows (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $j (i32.const 0))
      (block $units (loop $unit
        (br_if $units (i32.ge_u (local.get $j) (local.get $H)))
        ${body}
        ${advance}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $unit)))
      ${rowSkip}
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $row)))
  )`;
}

// Loads and stores of block k (in units of H) of a row; `$hb` is H in bytes.
const at = (ptr, k) => (k === 0 ? `(local.get $${ptr})` : `(i32.add (local.get $${ptr}) (i32.mul (local.get $hb) (i32.const ${k})))`);
const L = (ptr, k) => `(v128.load ${at(ptr, k)})`;
const S = (ptr, k, v) => `(v128.store ${at(ptr, k)} ${v})`;
const g = (n) => `(local.get $${n})`;
const set = (n, v) => `(local.set $${n} ${v})`;
const add = (a, b) => `(f32x4.add ${a} ${b})`;
const sub = (a, b) => `(f32x4.sub ${a} ${b})`;
const mul = (a, b) => `(f32x4.mul ${a} ${b})`;
const one = splat(1);

function gateKernels() {
  // `bx` is b_ih (zeros when gx already holds it), `bias` is b_hh: (gx + b_ih) + (gh + b_hh), PyTorch's order.
  const gi = (k) => add(L('gx', k), L('bx', k));
  const gruForward = rowLoop('gru_forward', ['B', 'H'], { gx: 3, gh: 3, bx: 0, bias: 0, h: 1, hNext: 1, saved: 4 }, ['r', 'z', 'n', 'ghn', 'hv'], [
    ...sigmoidTo('r', add(gi(0), add(L('gh', 0), L('bias', 0)))),
    ...sigmoidTo('z', add(gi(1), add(L('gh', 1), L('bias', 1)))),
    set('ghn', add(L('gh', 2), L('bias', 2))),
    ...tanhTo('n', add(gi(2), mul(g('r'), g('ghn')))),
    set('hv', L('h', 0)),
    S('hNext', 0, add(g('n'), mul(g('z'), sub(g('hv'), g('n'))))),
    S('saved', 0, g('r')),
    S('saved', 1, g('z')),
    S('saved', 2, g('n')),
    S('saved', 3, g('ghn')),
  ].join('\n        '));
  const gruBackward = rowLoop('gru_backward', ['B', 'H'], { dh: 1, h: 1, saved: 4, dgx: 3, dgh: 3, dhDirect: 1 }, ['r', 'z', 'n', 'ghn', 'd', 'dan', 'dar', 'daz'], [
    set('r', L('saved', 0)),
    set('z', L('saved', 1)),
    set('n', L('saved', 2)),
    set('ghn', L('saved', 3)),
    set('d', L('dh', 0)),
    set('dan', mul(mul(g('d'), sub(one, g('z'))), sub(one, mul(g('n'), g('n'))))),
    set('dar', mul(mul(mul(g('dan'), g('ghn')), g('r')), sub(one, g('r')))),
    set('daz', mul(mul(mul(g('d'), sub(L('h', 0), g('n'))), g('z')), sub(one, g('z')))),
    S('dgx', 0, g('dar')),
    S('dgx', 1, g('daz')),
    S('dgx', 2, g('dan')),
    S('dgh', 0, g('dar')),
    S('dgh', 1, g('daz')),
    S('dgh', 2, mul(g('dan'), g('r'))),
    S('dhDirect', 0, mul(g('d'), g('z'))),
  ].join('\n        '));
  const lstmForward = rowLoop('lstm_forward', ['B', 'H'], { gx: 4, gh: 4, bx: 0, bias: 0, c: 1, hNext: 1, cNext: 1, saved: 5 }, ['i', 'f', 'gg', 'o', 'cn', 'tc'], [
    ...sigmoidTo('i', add(gi(0), add(L('gh', 0), L('bias', 0)))),
    ...sigmoidTo('f', add(gi(1), add(L('gh', 1), L('bias', 1)))),
    ...tanhTo('gg', add(gi(2), add(L('gh', 2), L('bias', 2)))),
    ...sigmoidTo('o', add(gi(3), add(L('gh', 3), L('bias', 3)))),
    set('cn', add(mul(g('f'), L('c', 0)), mul(g('i'), g('gg')))),
    ...tanhTo('tc', g('cn')),
    S('cNext', 0, g('cn')),
    S('hNext', 0, mul(g('o'), g('tc'))),
    S('saved', 0, g('i')),
    S('saved', 1, g('f')),
    S('saved', 2, g('gg')),
    S('saved', 3, g('o')),
    S('saved', 4, g('tc')),
  ].join('\n        '));
  const lstmBackward = rowLoop('lstm_backward', ['B', 'H'], { dh: 1, dc: 1, c: 1, saved: 5, dgates: 4, dcPrev: 1 }, ['i', 'f', 'gg', 'o', 'tc', 'd', 'dct'], [
    set('i', L('saved', 0)),
    set('f', L('saved', 1)),
    set('gg', L('saved', 2)),
    set('o', L('saved', 3)),
    set('tc', L('saved', 4)),
    set('d', L('dh', 0)),
    set('dct', add(L('dc', 0), mul(mul(g('d'), g('o')), sub(one, mul(g('tc'), g('tc')))))),
    S('dgates', 0, mul(mul(mul(g('dct'), g('gg')), g('i')), sub(one, g('i')))),
    S('dgates', 1, mul(mul(mul(g('dct'), L('c', 0)), g('f')), sub(one, g('f')))),
    S('dgates', 2, mul(mul(g('dct'), g('i')), sub(one, mul(g('gg'), g('gg'))))),
    S('dgates', 3, mul(mul(mul(g('d'), g('tc')), g('o')), sub(one, g('o')))),
    S('dcPrev', 0, mul(g('dct'), g('f'))),
  ].join('\n        '));
  return [gruForward, gruBackward, lstmForward, lstmBackward].join('\n');
}

// ---- row helpers of the layer loops ---------------------------------------------------------------
// Rows are R contiguous rows of H floats (H % 4 = 0); `mask` is the byte address of R float32 flags
// (non-zero: the row's step is valid), or 0 when every row is valid.

/** `(local.get $name)`. */
const lg = (name) => `(local.get $${name})`;
/** A counted loop `for ($i = 0; $i < limit; $i += step)` over `body` statements. */
function forLoop(i, limit, step, body) {
  return `(local.set $${i} (i32.const 0))
    (block $${i}_done (loop $${i}_next
      (br_if $${i}_done (i32.ge_u ${lg(i)} ${limit}))
      ${body.join('\n      ')}
      (local.set $${i} (i32.add ${lg(i)} ${step}))
      (br $${i}_next)))`;
}
/** Whether row `$r` is valid: no mask, or a non-zero flag. */
const validRow = `(i32.or (i32.eqz ${lg('mask')}) (f32.ne (f32.load (i32.add ${lg('mask')} (i32.shl ${lg('r')} (i32.const 2)))) (f32.const 0)))`;

function rowHelpers() {
  return `
  ;; out[i] = a[i] + b[i] for count floats (a multiple of 4).
  (func $vadd (param $a i32) (param $b i32) (param $out i32) (param $count i32)
    (local $i i32)
    (local.set $count (i32.shl ${lg('count')} (i32.const 2)))
    ${forLoop('i', lg('count'), '(i32.const 16)', [
      `(v128.store (i32.add ${lg('out')} ${lg('i')}) (f32x4.add (v128.load (i32.add ${lg('a')} ${lg('i')})) (v128.load (i32.add ${lg('b')} ${lg('i')}))))`,
    ])})

  ;; Copies H floats from src to dst (rows of the layer loops).
  (func $copy_row (param $src i32) (param $dst i32) (param $bytes i32)
    (local $i i32)
    ${forLoop('i', lg('bytes'), '(i32.const 16)', [`(v128.store (i32.add ${lg('dst')} ${lg('i')}) (v128.load (i32.add ${lg('src')} ${lg('i')})))`])})

  ;; Zeroes bytes at dst.
  (func $zero_row (param $dst i32) (param $bytes i32)
    (local $i i32)
    ${forLoop('i', lg('bytes'), '(i32.const 16)', [`(v128.store (i32.add ${lg('dst')} ${lg('i')}) (v128.const i32x4 0 0 0 0))`])})

  ;; The state update of one step: a valid row takes the new state (next = fresh, out = fresh), a
  ;; padded row carries the previous one (next = prev) and outputs exactly 0. out = 0: no output.
  (func $select_rows (param $R i32) (param $H i32) (param $fresh i32) (param $prev i32) (param $next i32) (param $out i32) (param $mask i32)
    (local $r i32) (local $hb i32) (local $o i32)
    (local.set $hb (i32.shl ${lg('H')} (i32.const 2)))
    ${forLoop('r', lg('R'), '(i32.const 1)', [
      `(local.set $o (i32.mul ${lg('r')} ${lg('hb')}))`,
      `(if ${validRow}
        (then
          (call $copy_row (i32.add ${lg('fresh')} ${lg('o')}) (i32.add ${lg('next')} ${lg('o')}) ${lg('hb')})
          (if ${lg('out')} (then (call $copy_row (i32.add ${lg('fresh')} ${lg('o')}) (i32.add ${lg('out')} ${lg('o')}) ${lg('hb')}))))
        (else
          (call $copy_row (i32.add ${lg('prev')} ${lg('o')}) (i32.add ${lg('next')} ${lg('o')}) ${lg('hb')})
          (if ${lg('out')} (then (call $zero_row (i32.add ${lg('out')} ${lg('o')}) ${lg('hb')})))))`,
    ])})

  ;; dst row = src row for every valid row (a padded row keeps dst: the gradient passes unchanged).
  (func $keep_rows (param $R i32) (param $H i32) (param $src i32) (param $dst i32) (param $mask i32)
    (local $r i32) (local $hb i32) (local $o i32)
    (local.set $hb (i32.shl ${lg('H')} (i32.const 2)))
    ${forLoop('r', lg('R'), '(i32.const 1)', [
      `(local.set $o (i32.mul ${lg('r')} ${lg('hb')}))`,
      `(if ${validRow} (then (call $copy_row (i32.add ${lg('src')} ${lg('o')}) (i32.add ${lg('dst')} ${lg('o')}) ${lg('hb')})))`,
    ])})

  ;; Zeroes the rows (W floats each) of padded steps: their gate gradients are exactly 0.
  (func $zero_invalid (param $R i32) (param $W i32) (param $ptr i32) (param $mask i32)
    (local $r i32) (local $wb i32)
    (if (i32.eqz ${lg('mask')}) (then (return)))
    (local.set $wb (i32.shl ${lg('W')} (i32.const 2)))
    ${forLoop('r', lg('R'), '(i32.const 1)', [
      `(if (i32.eqz ${validRow}) (then (call $zero_row (i32.add ${lg('ptr')} (i32.mul ${lg('r')} ${lg('wb')})) ${lg('wb')})))`,
    ])})`;
}

// ---- whole-layer loops: one layer and direction, all steps, for a block of R batch rows ----------
// Every pointer is a byte address already offset to the block's first row; per step a pointer
// advances by B rows of its array (B: the whole batch), so that threads owning disjoint row blocks
// run the same loop on the same arrays with no synchronisation (each row's recurrence is its own).
// Input form (I > 0): the step's input projection is computed into the R×G·H scratch `gx` by the
// sgemm from `x` (rows of I floats) and W_ih packed transposed at `wip`; gx form (I = 0): `gx` walks
// the precomputed projection. `wp` is W_hh packed transposed (forward) or as is (backward).

function layerKernels() {
  const params = (names) => names.map((n) => `(param $${n} i32)`).join(' ');
  const locals = (names) => names.map((n) => `(local $${n} i32)`).join(' ');
  const advance = (pairs) => pairs.map(([p, st]) => `(local.set $${p} (i32.add ${lg(p)} ${lg(st)}))`).join('\n      ');
  const rewind = (pairs) => pairs.map(([p, st]) => `(local.set $${p} (i32.sub ${lg(p)} ${lg(st)}))`).join('\n      ');
  const toLast = (pairs) => pairs.map(([p, st]) => `(local.set $${p} (i32.add ${lg(p)} (i32.mul ${lg(st)} (i32.sub ${lg('T')} (i32.const 1)))))`).join('\n    ');
  /** Strides in bytes of B rows of `w` floats, w a multiple of H. */
  const stride = (name, w) => `(local.set $${name} (i32.mul ${lg('B')} (i32.shl (i32.mul ${lg('H')} (i32.const ${w})) (i32.const 2))))`;
  const projection = (G) => `(if ${lg('I')}
        (then (call $gemm ${lg('R')} (i32.mul ${lg('H')} (i32.const ${G})) ${lg('I')} ${lg('x')} ${lg('I')} (i32.const 1) ${lg('wip')} ${lg('gx')} (i32.mul ${lg('H')} (i32.const ${G})) (i32.const 0) ${lg('pa')} ${lg('tile')})))`;
  const hidden = (G) => `(call $gemm ${lg('R')} (i32.mul ${lg('H')} (i32.const ${G})) ${lg('H')} ${lg('hs')} ${lg('H')} (i32.const 1) ${lg('wp')} ${lg('gh')} (i32.mul ${lg('H')} (i32.const ${G})) (i32.const 0) ${lg('pa')} ${lg('tile')})`;
  // Without keep (inference) every step writes its gate values over the same B rows of `saved`.
  const forwardPrologue = (G, S) => `${stride('sh', 1)}
    ${stride('ss', S)}
    (if (i32.eqz ${lg('keep')}) (then (local.set $ss (i32.const 0))))
    (local.set $sx (i32.mul ${lg('B')} (i32.shl ${lg('I')} (i32.const 2))))
    (local.set $sg (if (result i32) ${lg('I')} (then (i32.const 0)) (else (i32.mul ${lg('B')} (i32.shl (i32.mul ${lg('H')} (i32.const ${G})) (i32.const 2))))))
    (local.set $sm (if (result i32) ${lg('mask')} (then (i32.shl ${lg('B')} (i32.const 2))) (else (i32.const 0))))`;
  const gruForward = `
  (func (export "gru_layer_forward") ${params(['T', 'B', 'R', 'H', 'I', 'keep', 'x', 'wip', 'gx', 'bx', 'wp', 'bh', 'hs', 'saved', 'out', 'mask', 'gh', 'hn', 'pa', 'tile'])}
    ${locals(['t', 'sh', 'ss', 'sx', 'sg', 'sm', 'next'])}
    ${forwardPrologue(3, 4)}
    ${forLoop('t', lg('T'), '(i32.const 1)', [
      projection(3),
      hidden(3),
      `(call $gru_forward ${lg('gx')} ${lg('gh')} ${lg('bx')} ${lg('bh')} ${lg('hs')} ${lg('hn')} ${lg('saved')} ${lg('R')} ${lg('H')})`,
      `(local.set $next (i32.add ${lg('hs')} ${lg('sh')}))`,
      `(call $select_rows ${lg('R')} ${lg('H')} ${lg('hn')} ${lg('hs')} ${lg('next')} ${lg('out')} ${lg('mask')})`,
      advance([['x', 'sx'], ['gx', 'sg'], ['hs', 'sh'], ['saved', 'ss'], ['out', 'sh'], ['mask', 'sm']]),
    ])})`;
  const lstmForward = `
  (func (export "lstm_layer_forward") ${params(['T', 'B', 'R', 'H', 'I', 'keep', 'x', 'wip', 'gx', 'bx', 'wp', 'bh', 'hs', 'cs', 'saved', 'out', 'mask', 'gh', 'hn', 'cn', 'pa', 'tile'])}
    ${locals(['t', 'sh', 'ss', 'sx', 'sg', 'sm', 'next'])}
    ${forwardPrologue(4, 5)}
    ${forLoop('t', lg('T'), '(i32.const 1)', [
      projection(4),
      hidden(4),
      `(call $lstm_forward ${lg('gx')} ${lg('gh')} ${lg('bx')} ${lg('bh')} ${lg('cs')} ${lg('hn')} ${lg('cn')} ${lg('saved')} ${lg('R')} ${lg('H')})`,
      `(local.set $next (i32.add ${lg('hs')} ${lg('sh')}))`,
      `(call $select_rows ${lg('R')} ${lg('H')} ${lg('hn')} ${lg('hs')} ${lg('next')} ${lg('out')} ${lg('mask')})`,
      `(local.set $next (i32.add ${lg('cs')} ${lg('sh')}))`,
      `(call $select_rows ${lg('R')} ${lg('H')} ${lg('cn')} ${lg('cs')} ${lg('next')} (i32.const 0) ${lg('mask')})`,
      advance([['x', 'sx'], ['gx', 'sg'], ['hs', 'sh'], ['cs', 'sh'], ['saved', 'ss'], ['out', 'sh'], ['mask', 'sm']]),
    ])})`;
  const backwardPrologue = (G, S, pairs) => `${stride('sh', 1)}
    ${stride('ss', S)}
    ${stride('sg', G)}
    (local.set $sm (if (result i32) ${lg('mask')} (then (i32.shl ${lg('B')} (i32.const 2))) (else (i32.const 0))))
    ${toLast(pairs)}`;
  const gruPairs = [['dout', 'sh'], ['hs', 'sh'], ['saved', 'ss'], ['dgx', 'sg'], ['dgh', 'sg'], ['mask', 'sm']];
  const gruBackward = `
  (func (export "gru_layer_backward") ${params(['T', 'B', 'R', 'H', 'dout', 'hs', 'saved', 'wp', 'dgx', 'dgh', 'dh', 'dtot', 'direct', 'mask', 'pa', 'tile'])}
    ${locals(['t', 'sh', 'ss', 'sg', 'sm', 'GH'])}
    (local.set $GH (i32.mul ${lg('H')} (i32.const 3)))
    ${backwardPrologue(3, 4, gruPairs)}
    ${forLoop('t', lg('T'), '(i32.const 1)', [
      `(call $vadd ${lg('dout')} ${lg('dh')} ${lg('dtot')} (i32.mul ${lg('R')} ${lg('H')}))`,
      `(call $gru_backward ${lg('dtot')} ${lg('hs')} ${lg('saved')} ${lg('dgx')} ${lg('dgh')} ${lg('direct')} ${lg('R')} ${lg('H')})`,
      `(call $zero_invalid ${lg('R')} ${lg('GH')} ${lg('dgx')} ${lg('mask')})`,
      `(call $zero_invalid ${lg('R')} ${lg('GH')} ${lg('dgh')} ${lg('mask')})`,
      `(call $gemm ${lg('R')} ${lg('H')} ${lg('GH')} ${lg('dgh')} ${lg('GH')} (i32.const 1) ${lg('wp')} ${lg('direct')} ${lg('H')} (i32.const 1) ${lg('pa')} ${lg('tile')})`,
      `(call $keep_rows ${lg('R')} ${lg('H')} ${lg('direct')} ${lg('dh')} ${lg('mask')})`,
      rewind(gruPairs),
    ])})`;
  const lstmPairs = [['dout', 'sh'], ['cs', 'sh'], ['saved', 'ss'], ['dg', 'sg'], ['mask', 'sm']];
  const lstmBackward = `
  (func (export "lstm_layer_backward") ${params(['T', 'B', 'R', 'H', 'dout', 'cs', 'saved', 'wp', 'dg', 'dh', 'dc', 'dtot', 'direct', 'dcprev', 'mask', 'pa', 'tile'])}
    ${locals(['t', 'sh', 'ss', 'sg', 'sm', 'GH'])}
    (local.set $GH (i32.mul ${lg('H')} (i32.const 4)))
    ${backwardPrologue(4, 5, lstmPairs)}
    ${forLoop('t', lg('T'), '(i32.const 1)', [
      `(call $vadd ${lg('dout')} ${lg('dh')} ${lg('dtot')} (i32.mul ${lg('R')} ${lg('H')}))`,
      `(call $lstm_backward ${lg('dtot')} ${lg('dc')} ${lg('cs')} ${lg('saved')} ${lg('dg')} ${lg('dcprev')} ${lg('R')} ${lg('H')})`,
      `(call $zero_invalid ${lg('R')} ${lg('GH')} ${lg('dg')} ${lg('mask')})`,
      `(call $keep_rows ${lg('R')} ${lg('H')} ${lg('dcprev')} ${lg('dc')} ${lg('mask')})`,
      `(call $gemm ${lg('R')} ${lg('H')} ${lg('GH')} ${lg('dg')} ${lg('GH')} (i32.const 1) ${lg('wp')} ${lg('direct')} ${lg('H')} (i32.const 0) ${lg('pa')} ${lg('tile')})`,
      `(call $keep_rows ${lg('R')} ${lg('H')} ${lg('direct')} ${lg('dh')} ${lg('mask')})`,
      rewind(lstmPairs),
    ])})`;
  return [gruForward, lstmForward, gruBackward, lstmBackward].join('\n');
}

// ---- column sums (the bias gradients), float64 accumulation -------------------------------------

/** Statements summing `width` (16 or 4) columns over all rows into f64x2 accumulators, then storing them as float32. */
function colsumBlock(width) {
  const vecs = width / 4;
  const accs = Array.from({ length: 2 * vecs }, (_, i) => `$d${i}`);
  const lines = [...accs.map((a) => `(local.set ${a} (v128.const i64x2 0 0))`), `(local.set $p (i32.add ${lg('a')} (i32.shl ${lg('j')} (i32.const 2))))`, `(local.set $i (i32.const 0))`];
  const body = [];
  for (let v = 0; v < vecs; v++) {
    body.push(`(local.set $v (v128.load offset=${16 * v} ${lg('p')}))`);
    body.push(`(local.set $d${2 * v} (f64x2.add (local.get $d${2 * v}) (f64x2.promote_low_f32x4 ${lg('v')})))`);
    body.push(`(local.set $d${2 * v + 1} (f64x2.add (local.get $d${2 * v + 1}) (f64x2.promote_low_f32x4 (i8x16.shuffle ${lanes([2, 3, 0, 1])} ${lg('v')} ${lg('v')}))))`);
  }
  lines.push(`(block $rows_done (loop $rows_next
        (br_if $rows_done (i32.ge_u ${lg('i')} ${lg('rows')}))
        ${body.join('\n        ')}
        (local.set $p (i32.add ${lg('p')} ${lg('lda')}))
        (local.set $i (i32.add ${lg('i')} (i32.const 1)))
        (br $rows_next)))`);
  for (let v = 0; v < vecs; v++) {
    lines.push(
      `(v128.store offset=${16 * v} (i32.add ${lg('out')} (i32.shl ${lg('j')} (i32.const 2))) (i8x16.shuffle ${lanes([0, 1, 4, 5])} (f32x4.demote_f64x2_zero (local.get $d${2 * v})) (f32x4.demote_f64x2_zero (local.get $d${2 * v + 1}))))`,
    );
  }
  return lines;
}

function colsum() {
  return `
  ;; out[j] = Σ_i A[i, j] for j < cols, A row-major with row stride lda floats; float64 sums.
  (func (export "colsum") (param $a i32) (param $rows i32) (param $cols i32) (param $lda i32) (param $out i32)
    (local $i i32) (local $j i32) (local $p i32) (local $v v128) (local $s f64)
    ${Array.from({ length: 8 }, (_, i) => `(local $d${i} v128)`).join(' ')}
    (local.set $lda (i32.shl ${lg('lda')} (i32.const 2)))
    (block $b16_done (loop $b16
      (br_if $b16_done (i32.gt_u (i32.add ${lg('j')} (i32.const 16)) ${lg('cols')}))
      ${colsumBlock(16).join('\n      ')}
      (local.set $j (i32.add ${lg('j')} (i32.const 16)))
      (br $b16)))
    (block $b4_done (loop $b4
      (br_if $b4_done (i32.gt_u (i32.add ${lg('j')} (i32.const 4)) ${lg('cols')}))
      ${colsumBlock(4).join('\n      ')}
      (local.set $j (i32.add ${lg('j')} (i32.const 4)))
      (br $b4)))
    (block $b1_done (loop $b1
      (br_if $b1_done (i32.ge_u ${lg('j')} ${lg('cols')}))
      (local.set $s (f64.const 0))
      (local.set $p (i32.add ${lg('a')} (i32.shl ${lg('j')} (i32.const 2))))
      ${forLoop('i', lg('rows'), '(i32.const 1)', [
        `(local.set $s (f64.add ${lg('s')} (f64.promote_f32 (f32.load ${lg('p')}))))`,
        `(local.set $p (i32.add ${lg('p')} ${lg('lda')}))`,
      ])}
      (f32.store (i32.add ${lg('out')} (i32.shl ${lg('j')} (i32.const 2))) (f32.demote_f64 ${lg('s')}))
      (local.set $j (i32.add ${lg('j')} (i32.const 1)))
      (br $b1))))`;
}

/** Pages (64 KiB) of the memory the module imports: its initial size, and the most it may grow to (2 GiB). */
export const MEMORY_INITIAL_PAGES = 1;
export const MEMORY_MAXIMUM_PAGES = 32768;

/**
 * How many steps of k one pass of the micro-kernel's loop runs. Measured (V8 11.3, x64): unrolling by
 * 2 or 4 runs at about half the speed of 1, probably from register pressure (eight accumulators, two
 * B vectors and the splat already take 11 of the 15 xmm registers V8 allocates).
 */
export const GEMM_UNROLL = 1;

/**
 * The WAT source of the kernel module.
 *
 * @param {{ relaxed: boolean, shared?: boolean, unroll?: number }} options - `relaxed`: multiply-adds
 *   as `f32x4.relaxed_madd`; `shared`: import a shared memory (for worker threads); `unroll`: the k
 *   unrolling of the micro-kernel (for experiments; the built modules use {@link GEMM_UNROLL}).
 * @returns {string}
 */
export function watSource({ relaxed, shared = false, unroll = GEMM_UNROLL }) {
  relaxedBuild = relaxed;
  return `;; Generated by packages/backend-cpu/scripts/wasm-kernels.mjs (${relaxed ? 'relaxed SIMD' : 'SIMD128'}, ${shared ? 'shared' : 'own'} memory); do not edit.
(module
  (import "env" "memory" (memory ${MEMORY_INITIAL_PAGES} ${MEMORY_MAXIMUM_PAGES}${shared ? ' shared' : ''}))
${packA()}
${packB()}
${gemm(relaxed, unroll)}
${transcendentals()}
${gateKernels()}
${rowHelpers()}
${layerKernels()}
${colsum()}
)
`;
}
