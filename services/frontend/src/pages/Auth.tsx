import type { ERROR_CODES } from '@refarch/contracts/api';
import { useState, type FormEvent } from 'react';
import { ApiError, type Api } from '../api.js';
import { sessionFromToken, type Session } from '../session.js';

// The code as libs/contracts declares it; a type-only import of its API shapes, so the bundle carries none of that library.
const RATE_LIMITED: (typeof ERROR_CODES)['RATE_LIMITED'] = 'RATE_LIMIT.EXCEEDED';

/** Sign in and sign up: labelled fields, native validation, the gateway's problem text on failure. */
export function AuthPage({
  api,
  mode,
  onSignedIn,
}: {
  api: Api;
  mode: 'signin' | 'signup';
  onSignedIn: (s: Session) => void;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'signup') await api.register(email, password, name);
      const { accessToken } = await api.login(email, password);
      onSignedIn(sessionFromToken(accessToken, email));
    } catch (e) {
      setError(e instanceof ApiError ? describe(e) : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <h1>{mode === 'signup' ? 'Create an account' : 'Sign in'}</h1>
      <form onSubmit={(e) => void submit(e)} className="form" aria-describedby={error ? 'auth-error' : undefined}>
        {mode === 'signup' ? (
          <label>
            Name
            <input
              name="name"
              autoComplete="name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
        ) : null}
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
            required
            minLength={mode === 'signup' ? 8 : 1}
            maxLength={128}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p id="auth-error" role="alert" className="error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {mode === 'signup' ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p>{mode === 'signup' ? <a href="#/signin">I have an account</a> : <a href="#/signup">Create an account</a>}</p>
    </main>
  );
}

export function describe(error: ApiError): string {
  if (error.code === RATE_LIMITED) return `${error.message} (in ${error.retryAfterSeconds ?? 'a few'} s)`;
  if (error.errors?.length) return error.errors.map((e) => `${e.field || 'request'}: ${e.message}`).join('; ');
  return error.message;
}
