// The WebSocket link to the gateway: connects, reconnects with capped exponential back-off, and feeds the store.
import type { BBox, FleetStore, WireDrone } from './fleet';

export type LinkState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live' }
  | { kind: 'reconnecting'; attempt: number; inMs: number };

export class FleetConnection {
  state: LinkState = { kind: 'connecting', attempt: 1 };
  private socket: WebSocket | null = null;
  private attempt = 0;
  private bbox: BBox | null = null;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  onState: (state: LinkState) => void = () => {};
  onSnapshot: () => void = () => {};

  constructor(private readonly url: string, private readonly store: FleetStore) {}

  start(): void {
    this.connect();
  }

  private connect(): void {
    this.attempt++;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState({ kind: 'live' });
      if (this.bbox) this.send({ type: 'subscribe', bbox: this.bbox });
    };
    socket.onmessage = (event) => this.onMessage(String(event.data));
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      const inMs = Math.min(10_000, 250 * 2 ** Math.min(this.attempt, 6)) * (0.75 + Math.random() * 0.5);
      this.setState({ kind: 'reconnecting', attempt: this.attempt, inMs });
      this.timer = setTimeout(() => this.connect(), inMs);
    };
  }

  private onMessage(text: string): void {
    let message: { type?: string; drones?: WireDrone[]; removed?: number[]; message?: string };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const now = Date.now();
    if (message.type === 'snapshot') {
      this.store.applySnapshot(message.drones ?? [], now);
      this.onSnapshot();
    } else if (message.type === 'changes') {
      this.store.applyChanges(message.drones ?? [], message.removed ?? [], now);
    } else if (message.type === 'error') {
      console.warn('gateway refused a message:', message.message);
    }
  }

  /** Only drones inside the box from now on (null: the whole fleet). */
  subscribe(bbox: BBox | null): void {
    this.bbox = bbox;
    this.send({ type: 'subscribe', bbox });
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.onState(state);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
  }
}

export function fleetSocketUrl(wsPath: string, location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
  const path = wsPath.startsWith('/') ? wsPath : base + wsPath;
  return `${scheme}//${location.host}${path}`;
}
