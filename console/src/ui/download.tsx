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

/**
 * Fetches a download with this tab's token (a plain link would carry none) and saves it under the API's file
 * name; resolves to the refusal's message, or null once saved.
 */
async function download(path: string, fallback: string): Promise<string | null> {
  const token = tokenStore.read();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) return await refusalOf(response);
  const url = URL.createObjectURL(await response.blob());
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
