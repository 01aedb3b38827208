/**
 * Runs the tasks given to it one at a time, in call order, whatever each one's outcome.
 * For what reads an L1 account and then changes it (a send takes the account's next
 * nonce from the L1; a balance top-up reads the balance it raises): two such tasks of
 * one account that interleave would use one nonce twice, or lose one top-up. What
 * follows the send (waiting for its receipt) stays outside, so many transactions of one
 * key can be in flight together.
 */
export type SendQueue = <T>(task: () => Promise<T>) => Promise<T>

export function sendQueue(): SendQueue {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task)
    tail = run.catch(() => undefined)
    return run
  }
}

/** `signer.sends`, or running the task at once for a signer without a queue. */
export function inSendQueue<T>(queue: SendQueue | undefined, task: () => Promise<T>): Promise<T> {
  return queue ? queue(task) : task()
}
