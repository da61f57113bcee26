// The fleet worker's entry point where the page can hand it the drone canvas (see liveFleet.ts).
/// <reference lib="webworker" />
import { LiveFleetWorker, type FromLiveWorker, type ToLiveWorker } from './liveFleet';

const scope = self as unknown as DedicatedWorkerGlobalScope;
// Animation frames in a dedicated worker follow the page's (Chromium, Firefox; Safari 17+); a timer where they are missing.
const hasFrames = typeof scope.requestAnimationFrame === 'function';

const worker = new LiveFleetWorker((message: FromLiveWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer), {
  frames: {
    requestFrame: (callback) => (hasFrames
      ? scope.requestAnimationFrame(callback)
      : (setTimeout(() => callback(performance.now()), 16) as unknown as number)),
    cancelFrame: (handle) => (hasFrames ? scope.cancelAnimationFrame(handle) : clearTimeout(handle)),
  },
});

scope.onmessage = (event: MessageEvent<ToLiveWorker>) => worker.handle(event.data);
