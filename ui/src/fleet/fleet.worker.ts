// The fleet link's decoder, off the page's main thread (see decoder.ts).
/// <reference lib="webworker" />
import { DecoderCore, SYNC_MIN_INTERVAL_MS, type FromWorker, type ToWorker } from './decoder';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

const core = new DecoderCore(
  (message) => post({ kind: 'control', message }),
  (packet) => post({ kind: 'sync', packet }, [packet.rows.buffer, packet.removed.buffer]),
  Date.now,
  { minIntervalMs: SYNC_MIN_INTERVAL_MS, setTimer: (fn, ms) => setTimeout(fn, ms) },
);

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.kind === 'data') core.accept(m.data);
  else if (m.kind === 'newLink') core.newLink();
  else core.synced();
};
