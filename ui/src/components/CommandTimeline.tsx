import { timeline } from '../commandStore';
import { hasReason, isFinal, paramsSummary, typeLabel, type Command } from '../commands';
import { fmt } from '../format';

interface TimelineProps {
  droneId: number | null;
  /** The drone's commands, newest first. */
  commands: readonly Command[];
  now: number;
  /** Null when this session may cancel; otherwise why not. */
  cancelDenied: string | null;
  onCancel: (command: Command) => void;
  /** Why a cancel failed, by command id (e.g. 409: it became final meanwhile). */
  cancelErrors: ReadonlyMap<string, string>;
}

/**
 * The selected drone's orders, newest first: each with its states in the order they happened (time, and time since
 * it was issued), a progress bar while in progress, the reason of a refusal or failure, and a cancel button while it
 * is not final.
 */
export function CommandTimeline({ droneId, commands, now, cancelDenied, onCancel, cancelErrors }: TimelineProps) {
  return (
    <section className="timeline" data-testid="command-timeline">
      <h2>Commands{droneId !== null && <span className="muted"> · drone {droneId}</span>}</h2>
      {droneId === null ? <p className="muted">Select a drone to see its commands.</p>
        : commands.length === 0 ? <p className="muted" data-testid="command-timeline-empty">no commands for this drone yet</p> : (
          <ol className="commands">
            {commands.map((c) => (
              <li key={c.id} className={`command state-${c.state}`} data-testid={`command-entry-${c.id}`} data-type={c.type} data-state={c.state}>
                <div className="command-head">
                  <span className="command-type">{typeLabel(c.type)}</span>
                  <span className="command-params muted">{paramsSummary(c)}</span>
                  <span className={`state-badge state-${c.state}`} data-testid="command-state">{c.state}</span>
                  {!isFinal(c.state) && (
                    <span className="guard" title={cancelDenied ?? 'Cancel this command'}>
                      <button type="button" className="link-button" disabled={cancelDenied !== null} onClick={() => onCancel(c)}
                        data-testid="command-cancel" title={cancelDenied ?? 'Cancel this command'}>cancel</button>
                    </span>
                  )}
                </div>
                <div className="command-meta muted" title={`command ${c.id}${c.node ? ` via ${c.node}` : ''}, ${c.attempts} frame(s) sent`}>
                  by {c.issuedBy || '?'}{c.issuedFrom && c.issuedBy !== 'drone' ? ` (${c.issuedFrom})` : ''} · {fmt.ago(now - c.issuedAtMs)} ago
                  {c.ackMs !== null && ` · ack ${fmt.ms(c.ackMs)}`}{c.effectMs !== null && ` · effect ${fmt.ms(c.effectMs)}`}
                </div>
                <ol className="transitions">
                  {timeline(c).map((step, i) => (
                    <li key={i} data-testid="command-transition" data-state={step.state}>
                      <span className={`step-state state-${step.state}`}>{step.state}</span>
                      <span className="step-time">{fmt.clock(step.atMs)}</span>
                      <span className="step-since">{Number.isFinite(step.sinceIssuedMs) ? `+${fmt.ms(step.sinceIssuedMs)}` : ''}</span>
                      {step.reason && hasReason(step.state) && <span className="step-reason" data-testid="command-reason">{step.reason}</span>}
                    </li>
                  ))}
                </ol>
                {c.state === 'in-progress' && (
                  <div className="progress" title={`${fmt.num(c.progress, 0)} %${c.waypointIndex !== null ? `, waypoint ${c.waypointIndex + 1}` : ''}`}
                    data-testid="command-progress">
                    <span style={{ width: `${Math.max(0, Math.min(100, c.progress ?? 0))}%` }} />
                  </div>
                )}
                {cancelErrors.has(c.id) && <div className="form-error">{cancelErrors.get(c.id)}</div>}
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}

interface RecentProps {
  commands: readonly Command[];
  /** How many orders the list shows at most (the newest). */
  limit: number;
  now: number;
  onSelect: (droneId: number) => void;
  onClose: () => void;
}

/** The fleet's latest orders, whoever gave them (operators, the ground's geofence, the drones' own failsafe). */
export function RecentCommands({ commands, limit, now, onSelect, onClose }: RecentProps) {
  return (
    <section className="float-panel recent" data-testid="recent-commands" data-limit={limit}>
      <div className="float-head">
        <h2>Recent commands</h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close">×</button>
      </div>
      {commands.length === 0 ? <p className="muted">none yet</p> : (
        <table>
          <tbody>
            {commands.map((c) => (
              <tr key={c.id} data-testid={`recent-command-${c.id}`} onClick={() => onSelect(c.droneId)} title={`command ${c.id}: select drone ${c.droneId}`}>
                <td className="num">#{c.droneId}</td>
                <td>{typeLabel(c.type)}</td>
                <td><span className={`state-badge state-${c.state}`}>{c.state}</span></td>
                <td className="muted">{c.issuedBy}</td>
                <td className="num muted">{fmt.ago(now - c.issuedAtMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
