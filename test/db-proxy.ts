import net from 'node:net'
import type { Test } from 'tap'

/**
 * A TCP proxy in front of the test PostgreSQL, for tests of a database that goes away: `refuse()`
 * stops listening and cuts every connection (as a stopped server: the next connect is
 * ECONNREFUSED; it also lets go of the hung ones), `hang()` cuts them and then accepts
 * connections that never answer (a server that is up but stuck, or a network that drops packets).
 */
export interface DbProxy {
  /** `url` with the proxy's address in place of the database's. */
  url: string
  refuse(): Promise<void>
  hang(): void
  /** Connections accepted since hang() and still open (none answered). */
  held(): number
}

export async function dbProxy(t: Test, url: string): Promise<DbProxy> {
  const target = new URL(url)
  const piped = new Set<net.Socket>()
  const hung = new Set<net.Socket>()
  let hanging = false
  const server = net.createServer((client) => {
    if (hanging) {
      hung.add(client)
      client.on('close', () => hung.delete(client))
      client.on('error', () => {})
      return
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      piped.add(s)
      s.on('close', () => piped.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const cut = () => {
    for (const s of piped) s.destroy()
  }
  t.teardown(() => {
    cut()
    for (const s of hung) s.destroy()
    server.close()
  })
  const proxied = new URL(url)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(port)
  return {
    url: proxied.toString(),
    refuse: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        cut()
        for (const s of hung) s.destroy()
      }),
    hang() {
      hanging = true
      cut()
    },
    held: () => hung.size,
  }
}
