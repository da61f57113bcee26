import { Fragment } from 'react';
import { optionalNumber, type Order, type SendOutcome } from '../commands';
import { missionLengthM, type MissionDraft } from '../mission';

/** What map clicks do: select drones (none), set a goto target, add mission waypoints, add fence vertices. */
export type ToolKind = 'none' | 'goto' | 'mission' | 'fence';

/** The line under the buttons: what became of the last order, or why it was not sent. */
export type Outcome = SendOutcome | { kind: 'pending' | 'error'; text: string };

export interface CommandPanelProps {
  selection: readonly number[];
  /** Null when this session may send commands; otherwise why not (the disabled buttons' tooltip). */
  denied: string | null;
  tool: ToolKind;
  altText: string;
  onAltText: (text: string) => void;
  speedText: string;
  onSpeedText: (text: string) => void;
  onOrder: (order: Order) => void;
  onArm: (tool: ToolKind) => void;
  onInvalid: (text: string) => void;
  onSelectVisible: () => void;
  onClearSelection: () => void;
  outcome: Outcome | null;
  mission: MissionDraft;
  onEditWaypoint: (index: number, patch: { alt?: string; holdS?: string }) => void;
  onRemoveWaypoint: (index: number) => void;
  onUndoWaypoint: () => void;
  onSendMission: () => void;
}

/** Simple orders: no parameters. `testId` is what the browser test presses. */
const SIMPLE: ReadonlyArray<{ type: 'hold' | 'resume' | 'return-to-home' | 'land'; label: string; testId: string; title: string }> = [
  { type: 'hold', label: 'hold', testId: 'cmd-hold', title: 'Stop and hover where it is' },
  { type: 'resume', label: 'resume', testId: 'cmd-resume', title: 'Carry on with what it did before the hold' },
  { type: 'return-to-home', label: 'home', testId: 'cmd-rth', title: 'Return to home and land there' },
  { type: 'land', label: 'land', testId: 'cmd-land', title: 'Land where it is' },
];

/**
 * Orders for the selected drones, over the map: takeoff, hold, resume, home, land, goto (then a click on the map),
 * mission (click waypoints), set speed, and the red emergency stop. Orders to several drones and any stop are
 * confirmed first (by the App); what the gateway answers is shown underneath.
 */
export function CommandPanel(props: CommandPanelProps) {
  const { selection, denied, tool } = props;
  const count = selection.length;
  const blocked = denied ?? (count === 0 ? 'select one or more drones first (shift/ctrl-click adds)' : null);
  const number = (text: string, what: string): number | undefined | false => {
    const v = optionalNumber(text);
    if (v === null) {
      props.onInvalid(`${what} "${text}" is not a number`);
      return false;
    }
    return v;
  };
  const takeoff = () => {
    const alt = number(props.altText, 'altitude');
    if (alt !== false) props.onOrder({ type: 'takeoff', alt });
  };
  const setSpeed = () => {
    const speed = number(props.speedText, 'speed');
    if (speed === undefined) props.onInvalid('type a speed (1..60 m/s) first');
    else if (speed !== false) props.onOrder({ type: 'set-speed', speed });
  };
  const button = (testId: string, label: string, title: string, onClick: () => void, className = '', pressed?: boolean) => (
    <span className="guard" title={blocked ?? title}>
      <button type="button" className={`cmd ${className} ${pressed ? 'on' : ''}`} disabled={blocked !== null} onClick={onClick}
        data-testid={testId} title={blocked ?? title} aria-pressed={pressed}>{label}</button>
    </span>
  );
  return (
    <section className={`command-panel ${tool === 'mission' ? 'expanded' : ''}`} data-testid="command-panel">
      <div className="command-row selection-row">
        <span className="selection-count" data-testid="selection-count">
          {count === 0 ? 'no drone selected' : count === 1 ? `drone ${selection[0]}` : `${count} drones`}
        </span>
        <button type="button" className="link-button" onClick={props.onSelectVisible} data-testid="select-visible"
          title="Select every drone in the map view that matches the table's filter">select visible</button>
        <button type="button" className="link-button" onClick={props.onClearSelection} disabled={count === 0} data-testid="select-clear"
          title="Clear the selection (Esc in the table)">clear</button>
        {denied && <span className="muted denied" data-testid="command-denied">{denied}</span>}
      </div>
      <div className="command-row">
        {button('cmd-takeoff', 'takeoff', 'Take off (to the altitude given, else 30 m)', takeoff)}
        {SIMPLE.map((s) => (
          <Fragment key={s.type}>{button(s.testId, s.label, s.title, () => props.onOrder({ type: s.type }))}</Fragment>
        ))}
        {button('cmd-goto', tool === 'goto' ? 'click map…' : 'goto', 'Go to a point: press, then click the map (Esc to cancel)',
          () => props.onArm(tool === 'goto' ? 'none' : 'goto'), '', tool === 'goto')}
        {button('cmd-mission', 'mission', 'Draw a mission: click waypoints on the map, then send',
          () => props.onArm(tool === 'mission' ? 'none' : 'mission'), '', tool === 'mission')}
        {button('cmd-stop', 'STOP', 'Emergency stop: comes down at once, wherever it is', () => props.onOrder({ type: 'stop' }), 'cmd-stop')}
      </div>
      <div className="command-row inputs">
        <label title="Altitude above home for takeoff and goto; blank keeps the current one (takeoff: 30 m)">
          alt <input value={props.altText} onChange={(e) => props.onAltText(e.target.value)} placeholder="keep" inputMode="decimal"
            data-testid="cmd-alt" /> m
        </label>
        <label title="Ground speed, 1..60 m/s">
          speed <input value={props.speedText} onChange={(e) => props.onSpeedText(e.target.value)} placeholder="m/s" inputMode="decimal"
            data-testid="cmd-speed" />
        </label>
        {button('cmd-set-speed', 'set speed', 'Set the cruise speed', setSpeed)}
      </div>
      {tool === 'mission' && <MissionEditor {...props} blocked={blocked} />}
      {props.outcome && (
        <div className={`command-result result-${props.outcome.kind}`} data-testid="cmd-result" role="status">
          {props.outcome.text}
          {'refused' in props.outcome && props.outcome.refused.length > 0 && (
            <ul className="refusals" data-testid="cmd-refusals">
              {props.outcome.refused.slice(0, 8).map((r) => (
                <li key={r.droneId}>#{r.droneId}: {r.title}{r.detail ? ` — ${r.detail}` : ''}</li>
              ))}
              {props.outcome.refused.length > 8 && <li>and {props.outcome.refused.length - 8} more</li>}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function MissionEditor(props: CommandPanelProps & { blocked: string | null }) {
  const { mission } = props;
  const n = mission.waypoints.length;
  return (
    <div className="mission" data-testid="mission-panel">
      <div className="mission-head">
        <b>mission</b>
        <span className="muted" data-testid="mission-count">
          {n === 0 ? 'click the map to add waypoints (drag them to move)' : `${n} waypoint${n === 1 ? '' : 's'} · ${(missionLengthM(mission) / 1000).toFixed(2)} km`}
        </span>
      </div>
      {n > 0 && (
        <div className="mission-list">
          <table>
            <thead><tr><th>#</th><th>position</th><th title="Altitude above home; blank keeps the current one">alt m</th><th title="Hover there this long">hold s</th><th /></tr></thead>
            <tbody>
              {mission.waypoints.map((w, i) => (
                <tr key={i} data-testid={`mission-waypoint-${i + 1}`}>
                  <td>{i + 1}</td>
                  <td className="num">{w.lat.toFixed(5)}, {w.lon.toFixed(5)}</td>
                  <td><input value={w.alt} placeholder="keep" inputMode="decimal" aria-label={`waypoint ${i + 1} altitude`}
                    onChange={(e) => props.onEditWaypoint(i, { alt: e.target.value })} /></td>
                  <td><input value={w.holdS} placeholder="0" inputMode="decimal" aria-label={`waypoint ${i + 1} hold`}
                    onChange={(e) => props.onEditWaypoint(i, { holdS: e.target.value })} /></td>
                  <td><button type="button" className="link-button" onClick={() => props.onRemoveWaypoint(i)} title="Remove this waypoint">×</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="command-row">
        <button type="button" onClick={props.onUndoWaypoint} disabled={n === 0} data-testid="mission-undo">undo</button>
        <button type="button" onClick={() => props.onArm('none')} data-testid="mission-cancel">cancel</button>
        <span className="guard" title={props.blocked ?? 'Send the mission to the selected drones'}>
          <button type="button" className="btn-primary" onClick={props.onSendMission} disabled={n === 0 || props.blocked !== null}
            data-testid="mission-send">send mission</button>
        </span>
      </div>
    </div>
  );
}
