import { draftProblem, FENCE_KINDS, type FenceDraft, type FenceKind, type Geofence, type RefusedFence } from '../geofence';
import { KEEP_IN_COLOR, KEEP_OUT_COLOR } from '../mapOverlays';

interface Props {
  fences: readonly Geofence[];
  /** Records of the fence map that apply nowhere (the gateway's `refused` list). */
  refused: readonly RefusedFence[];
  /** How many records the gateway refused (more than `refused` holds when it listed more than the panel shows). */
  refusedCount: number;
  /** Null when this session may change fences (admin); otherwise why not. */
  denied: string | null;
  drawing: boolean;
  draft: FenceDraft;
  /** The last load/save/delete problem or confirmation. */
  status: string;
  onRefresh: () => void;
  onStartDrawing: () => void;
  onUndo: () => void;
  onFinish: () => void;
  onCancel: () => void;
  onDraft: (draft: FenceDraft) => void;
  onSave: () => void;
  onDelete: (fence: Geofence) => void;
  onDeleteRefused: (record: RefusedFence) => void;
  onClose: () => void;
}

/**
 * The geofences: every fence with its kind (keep-in outlined green, keep-out red on the map), and for admins, drawing
 * a new one (click the vertices on the map, double-click or "finish" to close it, then a name and a kind) and
 * deleting one. Records that apply nowhere (no valid seal) are listed apart, for an admin to delete or draw again.
 */
export function GeofencePanel(props: Props) {
  const { fences, refused, refusedCount, denied, drawing, draft } = props;
  const saveProblem = draftProblem(draft, fences);
  return (
    <section className="float-panel geofences" data-testid="geofence-panel">
      <div className="float-head">
        <h2>Geofences <span className="badge" data-testid="geofence-count">{fences.length}</span></h2>
        <span>
          <button type="button" className="link-button" onClick={props.onRefresh} data-testid="geofence-refresh" title="Load the fences again">refresh</button>
          <button type="button" className="link-button" onClick={props.onClose} aria-label="Close">×</button>
        </span>
      </div>
      {fences.length === 0 ? <p className="muted">no fences</p> : (
        <ul className="fence-list">
          {fences.map((f) => (
            <li key={f.id} data-testid={`geofence-${f.id}`}>
              <i className="swatch" style={{ borderColor: f.kind === 'keep-in' ? KEEP_IN_COLOR : KEEP_OUT_COLOR }} />
              <span className="fence-name">{f.name || '(unnamed)'}</span>
              <span className="muted">{f.kind} · {f.ring.length} points</span>
              <span className="guard" title={denied ?? 'Delete this fence'}>
                <button type="button" className="link-button danger" disabled={denied !== null} onClick={() => props.onDelete(f)}
                  data-testid={`geofence-delete-${f.id}`} title={denied ?? 'Delete this fence'}>delete</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {refusedCount > 0 && (
        <div className="fence-refused" data-testid="geofence-refused">
          <p className="form-error">
            {refusedCount} record{refusedCount === 1 ? '' : 's'} in the fence map appl{refusedCount === 1 ? 'ies' : 'y'} nowhere
            (no valid seal: planted, altered, or stored before fences were sealed)
            {refusedCount > refused.length ? `; the first ${refused.length} listed` : ''}. Delete, or draw the fence you mean again.
          </p>
          <ul className="fence-list">
            {refused.map((r) => (
              <li key={r.id} data-testid={`geofence-refused-${r.id}`}>
                <i className="swatch" />
                <span className="fence-name" title={r.detail}>{r.id}</span>
                <span className="muted" title={r.detail}>{r.reason.toLowerCase()}</span>
                <span className="guard" title={denied ?? (r.deletable ? 'Delete this record' : 'Its id cannot be named in the API: remove it with a Hazelcast client')}>
                  <button type="button" className="link-button danger" disabled={denied !== null || !r.deletable}
                    onClick={() => props.onDeleteRefused(r)} data-testid={`geofence-refused-delete-${r.id}`}>delete</button>
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {!drawing ? (
        <span className="guard" title={denied ?? 'Draw a new fence on the map'}>
          <button type="button" disabled={denied !== null} onClick={props.onStartDrawing} data-testid="geofence-draw"
            title={denied ?? 'Draw a new fence on the map'}>draw a new fence</button>
        </span>
      ) : !draft.closed ? (
        <div className="fence-draft" data-testid="geofence-drafting">
          <p className="muted">
            Click the map to place the corners ({draft.points.length} so far); double-click the last one, or "finish", to close it.
          </p>
          <div className="command-row">
            <button type="button" onClick={props.onUndo} disabled={draft.points.length === 0} data-testid="geofence-undo">undo</button>
            <button type="button" onClick={props.onCancel} data-testid="geofence-cancel">cancel</button>
            <button type="button" className="btn-primary" onClick={props.onFinish} disabled={draft.points.length < 3} data-testid="geofence-finish">finish</button>
          </div>
        </div>
      ) : (
        <div className="fence-draft" data-testid="geofence-details">
          <div className="command-row">
            <input value={draft.name} onChange={(e) => props.onDraft({ ...draft, name: e.target.value })} placeholder="name"
              data-testid="geofence-name" aria-label="Fence name" autoFocus />
            <select value={draft.kind} onChange={(e) => props.onDraft({ ...draft, kind: e.target.value as FenceKind })}
              data-testid="geofence-kind" aria-label="Fence kind">
              {FENCE_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </div>
          <div className="command-row">
            <button type="button" onClick={props.onUndo} data-testid="geofence-reopen" title="Back to placing corners">edit corners</button>
            <button type="button" onClick={props.onCancel} data-testid="geofence-cancel">discard</button>
            <span className="guard" title={saveProblem ?? 'Save the fence on the gateway'}>
              <button type="button" className="btn-primary" onClick={props.onSave} disabled={saveProblem !== null} data-testid="geofence-save">save</button>
            </span>
          </div>
          {saveProblem && draft.name.trim() !== '' && <p className="form-error">{saveProblem}</p>}
        </div>
      )}
      {props.status && <p className="muted" data-testid="geofence-status" role="status">{props.status}</p>}
    </section>
  );
}
