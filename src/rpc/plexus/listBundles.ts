import type { BundleStatus } from '../../sequencer/bundles.js'
import type { RpcApi } from '../api.js'
import { parseEnum, parseLimit, parseQueryObject } from './listQuery.js'
import { formatBundle, networkOf } from './network.js'

const STATUSES: readonly BundleStatus['status'][] = ['pending', 'included', 'rejected']

/**
 * plexus_listBundles({ status?, limit? }): bundles newest first — the waiting ones, then
 * the decided ones (kept in memory: the newest 16,384), each as plexus_getBundle shows it.
 */
export function listBundles(api: RpcApi, params: unknown[]): Record<string, unknown>[] {
  const network = networkOf(api, 'plexus_listBundles')
  const q = parseQueryObject(params[0], ['status', 'limit'])
  return network.listBundles(parseLimit(q.limit), parseEnum(q.status, 'status', STATUSES)).map((b) => formatBundle(b.id, b.status))
}
