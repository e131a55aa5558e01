/** A named benchmark shape: one recurrent model and one input batch. */
export interface Workload {
  /** Name used on the command line (`--workloads`) and in results. */
  readonly name: string;
  readonly batch: number;
  readonly seqLen: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** @defaultValue 1 */
  readonly numLayers: number;
  /** @defaultValue false */
  readonly bidirectional: boolean;
}

/**
 * The named workloads, in the order they are reported. `small` to `large` grow one model; `deep-bi`
 * is `medium` stacked twice in both directions, the shape where per-layer, per-direction overheads
 * (one BPTT node each) would show.
 */
export const WORKLOADS: readonly Workload[] = [
  { name: 'small', batch: 16, seqLen: 32, inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false },
  { name: 'medium', batch: 32, seqLen: 100, inputSize: 64, hiddenSize: 128, numLayers: 1, bidirectional: false },
  { name: 'large', batch: 64, seqLen: 200, inputSize: 128, hiddenSize: 256, numLayers: 1, bidirectional: false },
  { name: 'deep-bi', batch: 32, seqLen: 100, inputSize: 64, hiddenSize: 128, numLayers: 2, bidirectional: true },
];

/** The default set of a full run (`--full`): every named workload. */
export const DEFAULT_WORKLOADS: readonly string[] = WORKLOADS.map((w) => w.name);

/**
 * The set of a `--quick` run, the configuration `npm run bench` uses: every workload but `large`,
 * whose forward+backward run alone takes about 10 s on the CPU backend of a 2-core machine; with it,
 * the run would not fit the two-minute budget. `deep-bi` stays: it is the case where per-layer and
 * per-direction overheads show.
 */
export const QUICK_WORKLOADS: readonly string[] = ['small', 'medium', 'deep-bi'];

/** Looks up workloads by name, in the order given; throws on an unknown name, listing the known ones. */
export function selectWorkloads(names: readonly string[]): Workload[] {
  return names.map((name) => {
    const workload = WORKLOADS.find((w) => w.name === name);
    if (!workload) {
      throw new Error(`unknown workload '${name}'; expected one of ${WORKLOADS.map((w) => w.name).join(', ')}`);
    }
    return workload;
  });
}

/** A compact description, e.g. `B32 T100 I64 H128 L2 bi`. */
export function describeWorkload(w: Workload): string {
  return `B${w.batch} T${w.seqLen} I${w.inputSize} H${w.hiddenSize}${w.numLayers > 1 ? ` L${w.numLayers}` : ''}${w.bidirectional ? ' bi' : ''}`;
}
