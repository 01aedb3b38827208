import type { NetworkApi } from './api.js'
import { formatMessage } from './plexus/network.js'

/** The network's subscriptions a chain's RPC offers (`eth_subscribe`). */
export const NETWORK_FEEDS = ['plexus_messages', 'plexus_chains'] as const
export type NetworkFeed = (typeof NETWORK_FEEDS)[number]

/**
 * The network's events as the subscriptions deliver them (already formatted as JSON):
 * `plexus_messages` a message each time it is sent, relayed, fails or is retried;
 * `plexus_chains` the registry whenever a chain joins. Served by the network itself
 * (`localNetworkFeeds`), or by the coordinator to a chain whose RPC runs in an executor
 * (src/executor/networkCall.ts).
 */
export interface NetworkFeeds {
  /** Calls `listener` with each event of `feed`; returns what unsubscribes. */
  on(feed: NetworkFeed, listener: (result: unknown) => void): () => void
}

export function localNetworkFeeds(network: NetworkApi): NetworkFeeds {
  return {
    on(feed, listener) {
      return feed === 'plexus_messages'
        ? network.onMessage((m) => listener(formatMessage(m)))
        : network.onChainsChanged(() => listener(network.chainRegistry()))
    },
  }
}
