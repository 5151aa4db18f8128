/** A client of Toxiproxy's HTTP API: proxies between Custody and its servers, and the faults put on them. */
export class Toxiproxy {
  constructor(private readonly api: string) {}

  private async call(method: string, route: string, body?: unknown): Promise<void> {
    const response = await fetch(`${this.api}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`toxiproxy ${method} ${route}: ${response.status} ${await response.text()}`);
  }

  /** A proxy listening on `listen` that forwards to `upstream` (both host:port). */
  async proxy(name: string, listen: string, upstream: string): Promise<void> {
    await this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
  }

  /** Off: new connections are refused and open ones dropped (a partition). On again: it forwards. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.call('POST', `/proxies/${name}`, { enabled });
  }

  async addToxic(proxy: string, toxic: { name: string; type: 'latency' | 'reset_peer' | 'timeout'; attributes: Record<string, number> }): Promise<void> {
    await this.call('POST', `/proxies/${proxy}/toxics`, { ...toxic, stream: 'downstream', toxicity: 1 });
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.call('DELETE', `/proxies/${proxy}/toxics/${name}`);
  }

  /** Every proxy on, every toxic gone. */
  async heal(): Promise<void> {
    await this.call('POST', '/reset');
  }
}
