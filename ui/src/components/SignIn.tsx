import { useState } from 'react';
import { tokenProblem } from '../auth';

interface Props {
  /** Why the prompt is shown (no token yet, a revoked token, a refused origin); a failed submission replaces it. */
  error: string | null;
  /** Checks the token with the gateway; resolves to an error text, or null when signed in. */
  onSubmit: (token: string) => Promise<string | null>;
  /** Only when the dashboard also works without a token (anonymous viewers allowed). */
  onCancel?: () => void;
}

/**
 * The access-token prompt. The token goes to sessionStorage once whoami accepts it, never into the URL; the field is a
 * password field so it is not shown on a shared screen.
 */
export function SignIn({ error, onSubmit, onCancel }: Props) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const typed = token.trim();
    const invalid = tokenProblem(typed);
    if (invalid) {
      setProblem(invalid);
      return;
    }
    setBusy(true);
    setProblem(null);
    const refused = await onSubmit(typed);
    setBusy(false);
    if (refused) setProblem(refused);
  };
  return (
    <div className="modal-backdrop">
      <form className="modal signin" onSubmit={submit} data-testid="signin-dialog" aria-labelledby="signin-title"
        onKeyDown={(e) => { if (e.key === 'Escape' && onCancel) onCancel(); }}>
        <h2 id="signin-title">Sign in to Odyssey</h2>
        <p className="muted">
          Paste an access token (<code>./odyssey up</code> prints one for an operator and one for an admin).
          It is kept for this tab only.
        </p>
        <input type="password" autoComplete="off" spellCheck={false} autoFocus placeholder="access token"
          value={token} onChange={(e) => setToken(e.target.value)} data-testid="signin-token" aria-label="Access token" />
        {problem
          ? <p className="form-error" role="alert" data-testid="signin-error">{problem}</p>
          : error && !busy && <p className="form-error" data-testid="signin-reason">{error}</p>}
        <div className="modal-actions">
          {onCancel && <button type="button" onClick={onCancel} data-testid="signin-cancel">view only</button>}
          <button type="submit" className="btn-primary" disabled={busy} data-testid="signin-submit">{busy ? 'checking…' : 'sign in'}</button>
        </div>
      </form>
    </div>
  );
}
