// The geofences: loaded from the gateway (again every minute: another admin or the CLI may change them), the fence
// being drawn, saving and deleting (after a confirmation), and the panel's status line.
import { useCallback, useEffect, useState } from 'react';
import { problemText, type GatewayApi } from '../api';
import type { ConfirmRequest } from '../components/ConfirmDialog';
import {
  countRefusedFences, EMPTY_FENCE_DRAFT, finishDraft, geofenceFeature, parseGeofences, parseRefusedFences, type FenceDraft, type Geofence, type RefusedFence,
} from '../geofence';

/** Fences are loaded again this often: another admin, or the CLI, may have changed them. */
const GEOFENCE_REFRESH_MS = 60_000;

export interface GeofencesHook {
  geofences: Geofence[];
  /** Records in the fence map that apply nowhere (planted, altered, or stored before fences were sealed). */
  refusedFences: RefusedFence[];
  /** How many the gateway refused (more than are listed when over MAX_REFUSED_LISTED). */
  refusedCount: number;
  loadFences: () => Promise<void>;
  fenceDraft: FenceDraft;
  setFenceDraft: (next: FenceDraft | ((d: FenceDraft) => FenceDraft)) => void;
  fenceError: string;
  setFenceError: (text: string) => void;
  /** Drops the drawing and the status line. */
  discardDraft: () => void;
  /** Closes the ring being drawn (or says why it cannot be). */
  finishFence: () => void;
  /** Saves the drawn fence; on success calls `done`. */
  saveFence: (done: () => void) => Promise<void>;
  deleteFence: (fence: Geofence) => void;
  deleteRefused: (record: RefusedFence) => void;
}

export function useGeofences(api: GatewayApi, connectionKey: string | null, confirm: (request: ConfirmRequest) => void): GeofencesHook {
  const [geofences, setGeofences] = useState<Geofence[]>([]);
  const [refusedFences, setRefusedFences] = useState<RefusedFence[]>([]);
  const [refusedCount, setRefusedCount] = useState(0);
  const [fenceDraft, setFenceDraft] = useState<FenceDraft>(EMPTY_FENCE_DRAFT);
  const [fenceError, setFenceError] = useState('');

  const loadFences = useCallback(async () => {
    const answer = await api.geofences();
    if (answer.ok) {
      setGeofences(parseGeofences(answer.body));
      setRefusedFences(parseRefusedFences(answer.body));
      setRefusedCount(countRefusedFences(answer.body));
    } else setFenceError(`could not load the fences: ${problemText(answer.problem)}`);
  }, [api]);

  useEffect(() => {
    if (connectionKey === null) return undefined;
    void loadFences();
    const timer = window.setInterval(() => void loadFences(), GEOFENCE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [connectionKey, loadFences]);

  const discardDraft = () => {
    setFenceDraft(EMPTY_FENCE_DRAFT);
    setFenceError('');
  };

  const saveFence = async (done: () => void) => {
    const answer = await api.createGeofence(geofenceFeature(fenceDraft.name, fenceDraft.kind, fenceDraft.points));
    if (!answer.ok) {
      setFenceError(`not saved: ${problemText(answer.problem)}`);
      return;
    }
    setFenceError(`saved "${fenceDraft.name.trim()}"`);
    setFenceDraft(EMPTY_FENCE_DRAFT);
    done();
    await loadFences();
  };

  const deleteFence = (fence: Geofence) => confirm({
    text: `Delete the ${fence.kind} fence "${fence.name || fence.id}"? Drones are no longer held by it.`,
    action: 'delete', danger: true,
    run: async () => {
      const answer = await api.deleteGeofence(fence.id);
      setFenceError(answer.ok ? `deleted "${fence.name || fence.id}"` : `not deleted: ${problemText(answer.problem)}`);
      await loadFences();
    },
  });

  const deleteRefused = (record: RefusedFence) => confirm({
    text: `Delete the record "${record.id}" from the fence map? It applies nowhere (${record.reason}); if it was a fence you ` +
      'mean to keep, draw it again after deleting.',
    action: 'delete', danger: true,
    run: async () => {
      const answer = await api.deleteGeofence(record.id);
      setFenceError(answer.ok ? `deleted the refused record "${record.id}"` : `not deleted: ${problemText(answer.problem)}`);
      await loadFences();
    },
  });

  const finishFence = () => {
    const finished = finishDraft(fenceDraft);
    setFenceDraft(finished.draft);
    setFenceError(finished.error ?? '');
  };

  return { geofences, refusedFences, refusedCount, loadFences, fenceDraft, setFenceDraft, fenceError, setFenceError, discardDraft, finishFence, saveFence, deleteFence, deleteRefused };
}
