// Orders to the selected drones: building and sending them (with a confirmation when they go to several drones or
// are a stop), the mission being drawn, the altitude and speed fields, what became of the last order, and cancels.
import { useState } from 'react';
import { problemText, type GatewayApi } from '../api';
import type { CommandStore } from '../commandStore';
import {
  buildCommandRequest, confirmationText, needsConfirmation, newIdempotencyKey, parseSendAnswer, sendOutcome, typeLabel,
  type Command, type Order,
} from '../commands';
import type { Outcome } from '../components/CommandPanel';
import type { ConfirmRequest } from '../components/ConfirmDialog';
import { EMPTY_MISSION, missionWaypoints, type MissionDraft } from '../mission';

export interface OrdersHook {
  mission: MissionDraft;
  setMission: (next: MissionDraft | ((d: MissionDraft) => MissionDraft)) => void;
  altText: string;
  setAltText: (text: string) => void;
  speedText: string;
  setSpeedText: (text: string) => void;
  outcome: Outcome | null;
  setOutcome: (outcome: Outcome | null) => void;
  cancelErrors: ReadonlyMap<string, string>;
  /** Sends an order to the selected drones; `after` hears whether it went out (not refused). */
  sendOrder: (order: Order, after?: (sent: boolean) => void) => void;
  /** Sends the mission drawn; on success drops the drawing and calls `done`. */
  sendMission: (done: () => void) => void;
  cancelCommand: (command: Command) => Promise<void>;
}

export function useOrders(
  selectionIds: readonly number[], api: GatewayApi, commandStore: CommandStore, confirm: (request: ConfirmRequest) => void,
): OrdersHook {
  const [mission, setMission] = useState<MissionDraft>(EMPTY_MISSION);
  const [altText, setAltText] = useState('');
  const [speedText, setSpeedText] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [cancelErrors, setCancelErrors] = useState<ReadonlyMap<string, string>>(new Map());

  /** Sends an order to the selected drones, after a confirmation when it goes to several or is a stop. */
  const sendOrder = (o: Order, after?: (sent: boolean) => void) => {
    const ids = selectionIds;
    const built = buildCommandRequest(ids, o, { idempotencyKey: newIdempotencyKey() });
    if (!built.ok) {
      setOutcome({ kind: 'error', text: built.error });
      return;
    }
    const run = async () => {
      setOutcome({ kind: 'pending', text: `sending "${typeLabel(o.type)}" …` });
      const result = sendOutcome(await api.sendCommand(built.value), o);
      commandStore.applyAll(result.commands);
      setOutcome(result);
      after?.(result.kind !== 'refused');
    };
    if (needsConfirmation(o, ids.length)) {
      confirm({ text: confirmationText(o, ids.length), action: o.type === 'stop' ? 'STOP' : 'send', danger: o.type === 'stop', run });
    } else {
      void run();
    }
  };

  const sendMission = (done: () => void) => {
    const waypoints = missionWaypoints(mission);
    if (!waypoints.ok) {
      setOutcome({ kind: 'error', text: waypoints.error });
      return;
    }
    sendOrder({ type: 'mission', waypoints: waypoints.value }, (sent) => {
      if (!sent) return; // keep the drawing: the operator fixes it (e.g. a waypoint outside the keep-in fence)
      setMission(EMPTY_MISSION);
      done();
    });
  };

  const cancelCommand = async (command: Command) => {
    const answer = await api.cancelCommand(command.id);
    setCancelErrors((errors) => {
      const next = new Map(errors);
      if (answer.ok) next.delete(command.id);
      else next.set(command.id, `cancel refused: ${problemText(answer.problem)}`);
      return next;
    });
    if (answer.ok) commandStore.applyAll(parseSendAnswer(answer.body).commands);
  };

  return { mission, setMission, altText, setAltText, speedText, setSpeedText, outcome, setOutcome, cancelErrors, sendOrder, sendMission, cancelCommand };
}
