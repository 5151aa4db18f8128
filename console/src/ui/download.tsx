import { useState } from 'react';
import { roleSatisfies, DATA_READ_ROLES } from '../../../domain/access';
import { useSession, tokenStore } from '../session/session';
import { ErrorNote } from './error-note';

/** The file name the API offers in `content-disposition`, or `fallback`. */
function filenameOf(response: Response, fallback: string): string {
  return /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallback;
}

/** The API's message for a refused download: its REST error body (a refusal before the API, GraphQL-shaped), or the status. */
async function refusalOf(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message: string }; errors?: { message: string }[] } | null;
  return body?.error?.message ?? body?.errors?.[0]?.message ?? `the download was refused (${response.status})`;
}

/** Why the content cannot be saved: no sha256 was sent to check it against, or it does not match; null when it does. */
async function checked(blob: Blob, sent: string | null): Promise<string | null> {
  if (!sent) return 'the server sent no sha256 (x-custody-sha256) to check the download against; nothing was saved';
  // Browsers give SHA-256 to secure pages only (HTTPS, or this machine).
  if (!globalThis.crypto?.subtle) return 'this page cannot check the download (it is served without HTTPS); use custody on the command line, or the console over HTTPS';
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  const got = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return got === sent ? null : `the download does not match the sha256 the server sent (got ${got.slice(0, 12)}…, expected ${sent.slice(0, 12)}…); nothing was saved`;
}

/**
 * Fetches a download with this tab's token (a plain link would carry none) and saves it under the API's file
 * name, once it matches the sha256 the API sent; resolves to the refusal's (or the mismatch's) message, or null once saved.
 */
async function download(path: string, fallback: string): Promise<string | null> {
  const token = tokenStore.read();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) return await refusalOf(response);
  const blob = await response.blob();
  const mismatch = await checked(blob, response.headers.get('x-custody-sha256'));
  if (mismatch) return mismatch;
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: filenameOf(response, fallback) });
  link.click();
  // Revoked once the browser has taken the file: at once, some browsers would cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return null;
}

/** A button that downloads data read back whole, for the roles that may (DATA_READ_ROLES); nothing for others. */
export function DownloadButton({ path, fallback, label }: { path: string; fallback: string; label: string }) {
  const { me } = useSession();
  const [state, setState] = useState<{ busy: boolean; refusal: string | null }>({ busy: false, refusal: null });
  if (!roleSatisfies(me.role, DATA_READ_ROLES)) return null;
  const onClick = async () => {
    setState({ busy: true, refusal: null });
    const refusal = await download(path, fallback).catch((error: Error) => error.message);
    setState({ busy: false, refusal });
  };
  return (
    <>
      <button type="button" onClick={() => void onClick()} disabled={state.busy}>
        {label}
      </button>
      {state.refusal && <ErrorNote message={state.refusal} />}
    </>
  );
}
