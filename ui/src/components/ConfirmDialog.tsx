import { useEffect, useRef } from 'react';

export interface ConfirmRequest {
  text: string;
  /** The confirm button's label. */
  action: string;
  /** Red confirm button (emergency stop, deleting a fence). */
  danger?: boolean;
  run: () => void;
}

interface Props {
  request: ConfirmRequest;
  onClose: () => void;
}

/** A modal question before an order goes to several drones, any emergency stop, or a fence is deleted. */
export function ConfirmDialog({ request, onClose }: Props) {
  const cancel = useRef<HTMLButtonElement>(null);
  // Focus starts on "cancel": Enter right after the click that opened the dialog must not confirm by accident.
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="modal-backdrop" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
      <div className={`modal ${request.danger ? 'danger' : ''}`} role="alertdialog" aria-modal="true" aria-labelledby="confirm-text"
        data-testid="confirm-dialog">
        <p id="confirm-text" data-testid="confirm-text">{request.text}</p>
        <div className="modal-actions">
          <button type="button" ref={cancel} onClick={onClose} data-testid="confirm-cancel">cancel</button>
          <button type="button" className={request.danger ? 'btn-danger' : 'btn-primary'} data-testid="confirm-ok"
            onClick={() => { onClose(); request.run(); }}>{request.action}</button>
        </div>
      </div>
    </div>
  );
}
