// The page script of the digit demo: loads the trained MNIST model (config.json + model.safetensors,
// as `npm run example:mnist` saves them) and classifies what is drawn on the canvas.
import { loadSafetensors, setBackend } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { DigitClassifier } from '../../mnist/model';
import { IMAGE_SIZE, PIXELS } from '../../mnist/digit';
import { canvasToDigit, classifyDigit } from './digit-demo-core';

/** What the page publishes for its browser check. */
export interface DigitDemoState {
  ready: boolean;
  error: string | null;
  prediction: number | null;
  probabilities: number[];
  /** The 784 intensities the last prediction read. */
  pixels: number[];
}

declare global {
  interface Window {
    __digitDemo: DigitDemoState;
  }
}

const state: DigitDemoState = { ready: false, error: null, prediction: null, probabilities: [], pixels: [] };
window.__digitDemo = state;

const canvas = document.getElementById('canvas') as HTMLCanvasElement;
const context = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
const brush = document.getElementById('brush') as HTMLInputElement;
const bars = document.getElementById('bars') as HTMLDivElement;
const status = document.getElementById('status') as HTMLParagraphElement;
const predictionText = document.getElementById('prediction') as HTMLSpanElement;
const brushParameter = new URLSearchParams(location.search).get('brush');
if (brushParameter !== null) brush.value = brushParameter;

function clear(): void {
  context.fillStyle = 'black';
  context.fillRect(0, 0, canvas.width, canvas.height);
  state.prediction = null;
  state.probabilities = [];
  predictionText.textContent = '–';
  renderBars(new Array<number>(10).fill(0));
}

function renderBars(probabilities: readonly number[]): void {
  const top = probabilities.indexOf(Math.max(...probabilities));
  bars.replaceChildren(
    ...probabilities.flatMap((p, digit) => {
      const label = document.createElement('span');
      label.textContent = String(digit);
      const bar = document.createElement('div');
      bar.className = digit === top && p > 0 ? 'bar top' : 'bar';
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      bar.dataset.digit = String(digit);
      const value = document.createElement('span');
      value.textContent = `${(p * 100).toFixed(1)}%`;
      return [label, bar, value];
    }),
  );
}

async function loadModel(): Promise<DigitClassifier> {
  const config = (await (await fetch('model/config.json')).json()) as { example?: string; cell?: string; hiddenSize?: number };
  if (config.example !== 'mnist' || (config.cell !== 'gru' && config.cell !== 'lstm') || !Number.isInteger(config.hiddenSize)) {
    throw new Error(`model/config.json is not a config of the MNIST example: ${JSON.stringify(config)}`);
  }
  const model = new DigitClassifier({ cell: config.cell, hiddenSize: config.hiddenSize as number });
  const weights = await fetch('model/model.safetensors');
  if (!weights.ok) throw new Error(`model/model.safetensors: HTTP ${weights.status}`);
  model.loadStateDict(loadSafetensors(new Uint8Array(await weights.arrayBuffer())));
  return model.eval();
}

async function start(): Promise<void> {
  setBackend(new CpuBackend());
  clear();
  const model = await loadModel();
  (document.getElementById('model') as HTMLSpanElement).textContent = `${model.config.cell.toUpperCase()}(28 → ${model.config.hiddenSize}) + Linear, ${model.numParameters().toLocaleString('en-US')} parameters`;
  const classify = () => {
    const pixels = canvasToDigit(context.getImageData(0, 0, canvas.width, canvas.height), IMAGE_SIZE);
    if (pixels.length !== PIXELS) throw new Error(`expected ${PIXELS} pixels, got ${pixels.length}`);
    const probabilities = classifyDigit(model, pixels);
    state.pixels = Array.from(pixels);
    state.probabilities = probabilities;
    state.prediction = probabilities.indexOf(Math.max(...probabilities));
    predictionText.textContent = String(state.prediction);
    renderBars(probabilities);
  };

  let drawing = false;
  let last: [number, number] | null = null;
  const point = (event: PointerEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    last = point(event);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing || last === null) return;
    const next = point(event);
    stroke(last, next);
    last = next;
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    last = null;
    classify();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointerleave', end);
  (document.getElementById('clear') as HTMLButtonElement).addEventListener('click', clear);
  status.textContent = 'ready: draw a digit with the mouse';
  state.ready = true;
}

function stroke(from: [number, number], to: [number, number]): void {
  context.strokeStyle = 'white';
  context.lineCap = 'round';
  context.lineWidth = Number(brush.value);
  context.beginPath();
  context.moveTo(...from);
  context.lineTo(...to);
  context.stroke();
}

start().catch((error: unknown) => {
  state.error = error instanceof Error ? error.message : String(error);
  status.textContent = `error: ${state.error}`;
});
