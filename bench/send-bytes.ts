import http from 'node:http';

/**
 * POSTs `size` bytes of filler to `url`, declared up front or (with `chunked`) not, and resolves with the
 * status (or 'reset' when the server hung up before answering) and how much of the body went out by then.
 */
export function sendBytes(url: string, size: number, headers: Record<string, string>, options: { chunked?: boolean } = {}): Promise<{ status: number | 'reset'; sentBytes: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    const request = http.request(url, { method: 'POST', headers: { ...(options.chunked ? {} : { 'content-length': String(size) }), ...headers } }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, sentBytes: sent });
    });
    request.on('error', () => resolve({ status: 'reset', sentBytes: sent }));
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const write = (): void => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!request.write(part)) return void request.once('drain', write);
      }
      request.end();
    };
    write();
  });
}
