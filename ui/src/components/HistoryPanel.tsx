import { useEffect, useRef, useState } from 'react';
import { problemText, type GatewayApi } from '../api';
import { parseDroneIds, parseTrack, type Track } from '../history';

/** A loaded history: the tracks, the window, and where the scrubber is. */
export interface HistoryView {
  tracks: Track[];
  from: number;
  to: number;
  t: number;
}

/** Window choices in minutes back from now; 0 is a custom window (two date-times). */
const WINDOWS: [string, number][] = [['last 5 min', 5], ['last 15 min', 15], ['last hour', 60], ['last 6 hours', 360], ['custom', 0]];
const SPEEDS = [1, 10, 60, 300];
/** Points per track asked of the API: plenty for a smooth trail, bounded for many drones. */
const MAX_POINTS = 2000;
const PLAY_STEP_MS = 100;

interface Props {
  /** Carries the session's token. */
  api: GatewayApi;
  /** Pre-fills the ids with the selected drone. */
  selected: number | null;
  view: HistoryView | null;
  onView: (view: HistoryView | null) => void;
  onClose: () => void;
}

/**
 * History mode: pick drones and a window, load their tracks from the archive (GET /api/v1/history/drones/{id}/track),
 * and play them back with a scrubber and a speed; the map draws the trails.
 */
export function HistoryPanel({ api, selected, view, onView, onClose }: Props) {
  const [ids, setIds] = useState(selected !== null ? String(selected) : '');
  const [minutes, setMinutes] = useState(15);
  const [customFrom, setCustomFrom] = useState(() => localInput(Date.now() - 3_600_000));
  const [customTo, setCustomTo] = useState(() => localInput(Date.now()));
  const [status, setStatus] = useState('');
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(10);
  const [loading, setLoading] = useState(false);
  const viewRef = useRef(view);
  viewRef.current = view;

  useEffect(() => {
    if (!playing) return undefined;
    const timer = window.setInterval(() => {
      const v = viewRef.current;
      if (!v) return;
      const t = Math.min(v.to, v.t + PLAY_STEP_MS * speed);
      onView({ ...v, t });
      if (t >= v.to) setPlaying(false);
    }, PLAY_STEP_MS);
    return () => window.clearInterval(timer);
  }, [playing, speed, onView]);

  const load = async () => {
    const wanted = parseDroneIds(ids);
    if (wanted.length === 0) {
      setStatus('type one or more drone ids, e.g. 1, 2, 5-8');
      return;
    }
    const to = minutes === 0 ? new Date(customTo).getTime() : Date.now();
    const from = minutes === 0 ? new Date(customFrom).getTime() : to - minutes * 60_000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      setStatus('the window needs a start before its end');
      return;
    }
    setStatus(`loading ${wanted.length} track${wanted.length > 1 ? 's' : ''} ...`);
    setPlaying(false);
    setLoading(true);
    const window = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&maxPoints=${MAX_POINTS}`;
    // One track at a time, and no second load meanwhile: the gateway answers a few history requests at once
    // (ODYSSEY_GATEWAY_HISTORY_MAX_CONCURRENT, 2 by default) and refuses the next with 429, so several ids loaded
    // together, or a load clicked again while the archive was slow, came back refused.
    const results: (Track | string)[] = [];
    try {
      for (const id of wanted) {
        const answer = await api.get(`api/v1/history/drones/${id}/track?${window}`);
        if (!answer.ok) results.push(`#${id}: ${answer.problem.detail || problemText(answer.problem)}`);
        else results.push(parseTrack(answer.body) ?? `#${id}: unreadable answer`);
      }
    } finally {
      setLoading(false);
    }
    const tracks = results.filter((r): r is Track => typeof r !== 'string');
    const problems = results.filter((r): r is string => typeof r === 'string');
    setStatus(problems.join(' · '));
    // Play back the part of the window that has data: the scrubber's ends are the first and last samples.
    const first = Math.min(...tracks.filter((tr) => tr.times.length > 0).map((tr) => tr.times[0]));
    const last = Math.max(...tracks.filter((tr) => tr.times.length > 0).map((tr) => tr.times[tr.times.length - 1]));
    const start = Number.isFinite(first) ? Math.max(from, first) : from;
    const end = Number.isFinite(last) ? Math.min(to, last) : to;
    onView(tracks.length > 0 ? { tracks, from: start, to: Math.max(start + 1, end), t: start } : null);
  };

  return (
    <section className="history" data-testid="history-panel">
      <div className="history-head">
        <h2>History</h2>
        <button type="button" onClick={onClose} data-testid="history-close" title="Back to the live fleet">live view</button>
      </div>
      <div className="history-form">
        <input value={ids} onChange={(e) => setIds(e.target.value)} placeholder="drone ids, e.g. 1, 2, 5-8"
          data-testid="history-ids" />
        <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} data-testid="history-window">
          {WINDOWS.map(([label, m]) => <option key={m} value={m}>{label}</option>)}
        </select>
        <button type="button" onClick={load} disabled={loading} data-testid="history-load">load</button>
      </div>
      {minutes === 0 && (
        <div className="history-form">
          <input type="datetime-local" value={customFrom} onChange={(e) => setCustomFrom(e.target.value)}
            data-testid="history-from" title="start (local time)" />
          <input type="datetime-local" value={customTo} onChange={(e) => setCustomTo(e.target.value)}
            data-testid="history-to" title="end (local time)" />
        </div>
      )}
      {status && <p className="muted" data-testid="history-status">{status}</p>}
      {view && (
        <>
          <table className="history-summary" data-testid="history-summary">
            <thead><tr><th>drone</th><th>frames</th><th>distance</th><th>max alt</th><th>battery used</th></tr></thead>
            <tbody>
              {view.tracks.map((tr) => (
                <tr key={tr.id} data-testid={`history-track-${tr.id}`}>
                  <td>#{tr.id}</td><td>{tr.frames}</td><td>{(tr.distanceM / 1000).toFixed(2)} km</td>
                  <td>{tr.maxAltitudeM.toFixed(0)} m</td><td>{tr.batteryUsedPct.toFixed(1)} %</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="history-player">
            <button type="button" onClick={() => {
              if (!playing && view.t >= view.to) onView({ ...view, t: view.from });
              setPlaying(!playing);
            }} data-testid="history-play">{playing ? 'pause' : 'play'}</button>
            <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} data-testid="history-speed">
              {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
            </select>
            <input type="range" min={view.from} max={view.to} step={100} value={view.t} data-testid="history-scrubber"
              onChange={(e) => onView({ ...view, t: Number(e.target.value) })} />
            <span className="history-time" data-testid="history-time">{new Date(view.t).toLocaleTimeString()}</span>
          </div>
        </>
      )}
    </section>
  );
}

/** A time as a datetime-local input value (local time, to the second). */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}
