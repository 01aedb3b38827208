import type { MessagePort } from 'node:worker_threads'

/**
 * One end of a message channel between the coordinator and an executor: what `RpcPeer`
 * speaks JSON-RPC over. The same messages (plain JSON values) go over a worker's
 * `MessagePort` and over a WebSocket (`socketTransport.ts`).
 */
export interface Transport {
  /** Sends one message; throws `TransportClosedError` once closed. */
  send(message: unknown): void
  /** Every message received, in order (a socket's undecodable ones as `MalformedMessage`). */
  onMessage(listener: (message: unknown) => void): void
  /** Called once, when either side closes or the channel is lost. */
  onClose(listener: (reason: string) => void): void
  close(reason?: string): void
  readonly closed: boolean
}

/** What a transport hands up for bytes that are not a JSON value (a socket only). */
export class MalformedMessage {
  constructor(readonly reason: string) {}
}

/**
 * A `MessagePort` as a transport. Structured clone carries the JSON values as they are;
 * a port's other end going away (its worker exiting) closes it.
 */
export function portTransport(port: MessagePort): Transport {
  const closeListeners: ((reason: string) => void)[] = []
  let closed = false
  const finish = (reason: string) => {
    if (closed) return
    closed = true
    for (const l of closeListeners) l(reason)
  }
  port.on('close', () => finish('the port was closed'))
  return {
    send(message) {
      if (closed) throw new TransportClosedError()
      port.postMessage(message)
    },
    onMessage(listener) {
      port.on('message', listener)
    },
    onClose(listener) {
      closeListeners.push(listener)
    },
    close(reason = 'closed') {
      if (closed) return
      port.close()
      finish(reason)
    },
    get closed() {
      return closed
    },
  }
}

export class TransportClosedError extends Error {
  override name = 'TransportClosedError'
  constructor() {
    super('the channel to the other side is closed')
  }
}
